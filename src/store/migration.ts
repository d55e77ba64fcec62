/** One step of an engine's schema history; applied once, in order, and recorded in the database. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
