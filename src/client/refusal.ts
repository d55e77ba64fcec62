import type { ApiError } from './result.js';

/**
 * The answer every middleware gives a request it refuses: the service's own
 * error shape and status, never cached, and for a 401 the challenge that
 * RFC 6750 asks for.
 */
export interface Refusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: { error: { code: string; message: string } };
}

export function refusal(error: ApiError): Refusal {
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' };
  if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="astral-auth"';
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return { status: error.status, headers, body: { error: { code: error.code, message: error.message } } };
}
