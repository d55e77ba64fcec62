import type Database from 'better-sqlite3';

const byConnection = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The statement for this SQL text on this connection, prepared on its first
 * use. A store's statements cannot all be prepared when it is built (the
 * tables exist only once migrations ran), and preparing again on every call
 * costs more than the point query it runs. A mode set on the statement
 * (`pluck`) stays with it, so every use of one text must set the same mode.
 */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let statements = byConnection.get(db);
  if (!statements) {
    statements = new Map();
    byConnection.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
