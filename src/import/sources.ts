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
 * Reads the app's Prisma `users` table page by page, oldest account first, so
 * that of two rows differing only in letter case the original one is kept.
 * Timestamps are read as UTC text: Prisma writes UTC into columns without a zone.
 */
export async function* readPostgresTable(url: string, table: string, pageSize: number): AsyncGenerator<SourceRow> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    yield* pages(client, client.escapeIdentifier(table), pageSize);
  } finally {
    await client.end();
  }
}

async function* pages(client: pg.Client, table: string, pageSize: number): AsyncGenerator<SourceRow> {
  const utc = (column: string) => `to_char("${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const sql = `SELECT id, email, name, image, role::text AS role, "teamName", "hashedPassword",
      ${utc('emailVerified')} AS "emailVerified", ${utc('createdAt')} AS "createdAt",
      ${utc('updatedAt')} AS "updatedAt", "createdAt"::text AS "cursorAt"
    FROM ${table} WHERE ("createdAt", id) > ($1::timestamp, $2) ORDER BY "createdAt", id LIMIT $3`;
  let cursor: [string, string] = ['-infinity', ''];
  let row = 0;
  for (;;) {
    const { rows } = await client.query(sql, [...cursor, pageSize]);
    for (const raw of rows) yield { row: ++row, raw };
    const last = rows.at(-1) as { cursorAt: string; id: string } | undefined;
    if (!last || rows.length < pageSize) return;
    cursor = [last.cursorAt, last.id];
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
