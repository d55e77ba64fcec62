import type { AuditQuery } from '../domain/audit.js';

/**
 * The WHERE clause of an audit query, shared by both engines: each passes
 * how it writes the n-th placeholder and how it takes a time.
 */
export function auditFilter(
  query: AuditQuery,
  placeholder: (position: number) => string,
  time: (ms: number) => unknown,
): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    values.push(value);
    clauses.push(clause.replace('?', placeholder(values.length)));
  };
  if (query.userId !== undefined) add('"userId" = ?', query.userId);
  if (query.type !== undefined) add('type = ?', query.type);
  if (query.since !== undefined) add('at >= ?', time(query.since));
  if (query.until !== undefined) add('at < ?', time(query.until));
  if (query.beforeId !== undefined) add('id < ?', Number(query.beforeId));
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}
