import type { ImportOutcome, NewUser, UserStore } from '../domain/ports.js';
import { mapLegacyUser } from './legacy-user.js';
import type { SourceRow } from './sources.js';

/**
 * Moves users from a source into the store in batches. Every row ends in one
 * tally: inserted, already there from an earlier run (so a rerun imports
 * nothing twice), refused with a reason, or in conflict with an account that
 * has the same canonical email.
 */
export interface ImportReport {
  inserted: number;
  alreadyImported: number;
  rejected: number;
  conflicts: number;
}

export interface Refusal {
  readonly row: number;
  readonly id: string | null;
  readonly reason: string;
}

export interface ImportOptions {
  readonly batchSize: number;
  readonly defaultRole: string;
  readonly now: number;
  readonly onRefusal: (refusal: Refusal) => void;
  readonly onProgress: (report: Readonly<ImportReport>) => void;
}

interface Pending {
  readonly row: number;
  readonly user: NewUser;
}

export async function importUsers(
  source: AsyncIterable<SourceRow>,
  store: Pick<UserStore, 'importUsers'>,
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = { inserted: 0, alreadyImported: 0, rejected: 0, conflicts: 0 };
  let batch: Pending[] = [];
  for await (const item of source) {
    const pending = admit(item, options, report);
    if (pending) batch.push(pending);
    if (batch.length >= options.batchSize) {
      await writeBatch(batch, store, options, report);
      batch = [];
    }
  }
  await writeBatch(batch, store, options, report);
  return report;
}

function admit(item: SourceRow, options: ImportOptions, report: ImportReport): Pending | undefined {
  if (typeof item.raw === 'string') {
    refuse(report, options, { row: item.row, id: null, reason: 'row is not a JSON object' });
    return undefined;
  }
  const mapped = mapLegacyUser(item.raw, options.defaultRole, options.now);
  if (mapped.ok) return { row: item.row, user: mapped.user };

  const id = typeof item.raw.id === 'string' ? item.raw.id.trim() : null;
  refuse(report, options, { row: item.row, id, reason: mapped.reason });
  return undefined;
}

async function writeBatch(batch: Pending[], store: Pick<UserStore, 'importUsers'>, options: ImportOptions, report: ImportReport): Promise<void> {
  if (batch.length === 0) return;

  const outcomes = await store.importUsers(batch.map((pending) => pending.user));
  outcomes.forEach((outcome, index) => tally(report, options, batch[index]!, outcome));
  options.onProgress(report);
}

function tally(report: ImportReport, options: ImportOptions, pending: Pending, outcome: ImportOutcome): void {
  if (outcome === 'inserted') report.inserted++;
  else if (outcome === 'already_imported') report.alreadyImported++;
  else {
    report.conflicts++;
    options.onRefusal({ row: pending.row, id: pending.user.id, reason: 'another account already has this email after normalisation' });
  }
}

function refuse(report: ImportReport, options: ImportOptions, refusal: Refusal): void {
  report.rejected++;
  options.onRefusal(refusal);
}
