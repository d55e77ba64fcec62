import type { AdminSession, AdminUser, AuditPage, AuditQuery } from './api-types.js';
import type { Result } from './result.js';
import { callJson, type Exchange, type Transport } from './transport.js';

/**
 * The administrator endpoints, bound to one administrator's session token.
 * Every call is refused by the service for anybody else.
 */
export interface AdminClient {
  findUsers(email: string): Promise<Result<readonly AdminUser[]>>;
  unlock(userId: string): Promise<Result<void>>;
  disable(userId: string): Promise<Result<void>>;
  enable(userId: string): Promise<Result<void>>;
  setRole(userId: string, role: string): Promise<Result<void>>;
  sessions(userId: string): Promise<Result<readonly AdminSession[]>>;
  revokeSession(sessionId: string): Promise<Result<void>>;
  audit(query?: AuditQuery): Promise<Result<AuditPage>>;
}

export function createAdminClient(send: Transport, token: string): AdminClient {
  const call = <T>(exchange: Omit<Exchange, 'token'>, pick: (body: any) => T) => callJson(send, { ...exchange, token }, pick);
  const user = (id: string) => `/v1/admin/users/${encodeURIComponent(id)}`;
  const none = () => undefined;

  return {
    findUsers: (email) => call({ method: 'GET', path: `/v1/admin/users?${new URLSearchParams({ email })}` }, (body) => body.users),
    unlock: (id) => call({ method: 'POST', path: `${user(id)}/unlock` }, none),
    disable: (id) => call({ method: 'POST', path: `${user(id)}/disable` }, none),
    enable: (id) => call({ method: 'POST', path: `${user(id)}/enable` }, none),
    setRole: (id, role) => call({ method: 'PUT', path: `${user(id)}/role`, body: { role } }, none),
    sessions: (id) => call({ method: 'GET', path: `${user(id)}/sessions` }, (body) => body.sessions),
    revokeSession: (id) => call({ method: 'DELETE', path: `/v1/admin/sessions/${encodeURIComponent(id)}` }, none),
    audit: (query = {}) => call({ method: 'GET', path: `/v1/admin/audit${auditSearch(query)}` }, (body) => body),
  };
}

function auditSearch(query: AuditQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const search = params.toString();
  return search === '' ? '' : `?${search}`;
}
