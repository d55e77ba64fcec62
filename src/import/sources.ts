import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import pg from 'pg';
import type { RawUser } from './legacy-user.js';

/**
 * Where imported users come from, each as a stream of numbered rows. A row
 * that cannot even be read (broken JSON) still comes through, as a string, so
 * the importer can report it with its number instead of stopping.
 */
export interface SourceRow {
  readonly row: number;
  readonly raw: RawUser | string;
}

export async function* readJsonLines(file: string): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    row++;
    if (line.trim() === '') continue;
    yield { row, raw: parseObject(line) };
  }
}

export async function* readCsv(file: string): AsyncGenerator<SourceRow> {
  const parser = createReadStream(file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: false }));
  let row = 1; // the header
  for await (const record of parser as AsyncIterable<RawUser>) {
    row++;
    yield { row, raw: record };
  }
}

/**
 * Reads the app's Prisma `users` table, oldest account first, so that of two
 * rows differing only in letter case the original one is kept.
 *
 * One server-side cursor in one read-only snapshot: the table is sorted once
 * and streamed, and rows written meanwhile cannot shift the pages. (Paging with
 * `WHERE ("createdAt", id) > $last ... LIMIT n` re-scanned and re-sorted the
 * whole table for every page, since Prisma puts no index on "createdAt": 6 of
 * the 7 seconds of a 100,000-user import, and quadratic in the table's size.)
 */
export async function* readPostgresTable(url: string, table: string, pageSize: number): AsyncGenerator<SourceRow> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await openCursor(client, client.escapeIdentifier(table));
    yield* fetchAll(client, pageSize);
  } finally {
    // Closing the connection ends the read-only transaction and its cursor.
    await client.end();
  }
}

/**
 * Timestamps are read as UTC text: Prisma writes UTC into columns without a
 * zone, and with the session in UTC `to_char` renders `timestamptz` columns
 * in UTC too, so the literal "Z" is true whichever type the table uses.
 */
async function openCursor(client: pg.Client, table: string): Promise<void> {
  const utc = (column: string) => `to_char("${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query(`SET LOCAL TIME ZONE 'UTC'`);
  await client.query(`DECLARE legacy_users NO SCROLL CURSOR FOR
    SELECT id, email, name, image, role::text AS role, "teamName", "hashedPassword",
      ${utc('emailVerified')} AS "emailVerified", ${utc('createdAt')} AS "createdAt",
      ${utc('updatedAt')} AS "updatedAt"
    FROM ${table} ORDER BY "createdAt", id`);
}

/** Asks for the next page before handing out this one, so the server reads while the store writes. */
async function* fetchAll(client: pg.Client, pageSize: number): AsyncGenerator<SourceRow> {
  const fetchPage = () => {
    const page = client.query(`FETCH FORWARD ${pageSize} FROM legacy_users`);
    // If the caller stops early, the read-ahead page is never awaited; its failure must not crash the process.
    page.catch(() => undefined);
    return page;
  };
  let row = 0;
  let next = fetchPage();
  for (;;) {
    const { rows } = await next;
    if (rows.length === 0) return;
    next = fetchPage();
    for (const raw of rows) yield { row: ++row, raw };
  }
}

function parseObject(line: string): RawUser | string {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawUser) : line;
  } catch {
    return line;
  }
}
