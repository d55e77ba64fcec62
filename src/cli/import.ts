import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { importUsers, type ImportReport, type Refusal } from '../import/importer.js';
import { readCsv, readJsonLines, readPostgresTable, type SourceRow } from '../import/sources.js';
import { openStore } from '../store/open-store.js';
import { UsageError } from './usage-error.js';

/**
 * `astral-auth users import`: progress and the summary go to stderr; each
 * refused or conflicting row goes to the rejects file (or stderr) as one JSON
 * line with its row number, id and reason, never its email or hash.
 */
export async function runImport(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      'from-postgres': { type: 'string' },
      table: { type: 'string', default: 'users' },
      'batch-size': { type: 'string', default: '1000' },
      rejects: { type: 'string' },
    },
  });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new UsageError('--batch-size takes a whole number from 1 to 10000');
  }
  const source = chooseSource(values, positionals, batchSize);

  const rejects = await openRejects(values.rejects);
  const store = openStore(config);
  const started = performance.now();
  try {
    if (config.migrateOnStart) await store.migrate();
    const report = await importUsers(source, store, {
      batchSize,
      defaultRole: config.defaultRole,
      now: Date.now(),
      onRefusal: (refusal: Refusal) => rejects.write(`${JSON.stringify(refusal)}\n`),
      onProgress: (progress) => process.stderr.write(`\r${describe(progress, started)}`),
    });
    process.stderr.write(`\r${describe(report, started)}\n`);
    await finishRejects(rejects);
    return 0;
  } finally {
    if (rejects !== process.stderr && !rejects.writableEnded) rejects.end();
    await store.close();
  }
}

/**
 * Opens the rejects file before any row moves, so a wrong path stops the run
 * with one line instead of an unhandled stream error after the import. A
 * later write error (disk full) is held by the stream and reported by
 * `finishRejects`, rather than crashing the process mid-batch.
 */
async function openRejects(file: string | undefined): Promise<Writable> {
  if (!file) return process.stderr;
  const stream = createWriteStream(file);
  stream.on('error', () => undefined);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new UsageError(`cannot write --rejects ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return stream;
}

/** A run whose rejects file is incomplete has not reported every refusal: it fails. */
async function finishRejects(rejects: Writable): Promise<void> {
  if (rejects === process.stderr) return;
  rejects.end();
  try {
    await finished(rejects);
  } catch (error) {
    throw new Error(`the rejects file is incomplete: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function chooseSource(
  values: { format?: string | undefined; 'from-postgres'?: string | undefined; table: string },
  positionals: string[],
  batchSize: number,
): AsyncIterable<SourceRow> {
  const url = values['from-postgres'];
  if (url) return readPostgresTable(url, values.table, batchSize);

  const file = positionals[0];
  if (!file) throw new UsageError('users import needs a FILE or --from-postgres URL');
  if (values.format === 'jsonl') return readJsonLines(file);
  if (values.format === 'csv') return readCsv(file);
  throw new UsageError('--format takes jsonl or csv');
}

function describe(report: ImportReport, started: number): string {
  const seen = report.inserted + report.alreadyImported + report.rejected + report.conflicts;
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(seen / Math.max(seconds, 0.001));
  return (
    `${seen} rows: ${report.inserted} imported, ${report.alreadyImported} already present, ` +
    `${report.rejected} rejected, ${report.conflicts} email conflicts (${seconds.toFixed(1)} s, ${rate} rows/s)`
  );
}
