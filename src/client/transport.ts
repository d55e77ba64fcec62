import { failure, success, type Result } from './result.js';

/**
 * One HTTP exchange with the service on the platform's `fetch`: JSON in,
 * JSON out, errors turned into values with the service's code. Works the
 * same in Node.js, browsers and edge runtimes.
 */
export interface TransportOptions {
  /** Where the service answers, e.g. `https://auth.example.com`. */
  readonly baseUrl: string;
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** How long one call may take before it fails with `network_error` (default 5000). */
  readonly timeoutMs?: number;
}

export interface Exchange {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /** Sent as `Authorization: Bearer`; without one the browser's session cookie is sent. */
  readonly token?: string | undefined;
  readonly body?: unknown;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export type Transport = (exchange: Exchange) => Promise<Result<Answer>>;

const DEFAULT_TIMEOUT_MS = 5_000;

export function createTransport(options: TransportOptions): Transport {
  const base = parseBaseUrl(options.baseUrl);
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return async (exchange) => {
    let response: Response;
    try {
      response = await fetchFn(serviceUrl(base, exchange.path), init(exchange, timeoutMs));
    } catch {
      return failure('network_error', `the service did not answer ${exchange.method} ${exchange.path}`, 503);
    }
    return readAnswer(response);
  };
}

/** Sends one exchange and picks the data out of a successful JSON answer. */
export async function callJson<T>(send: Transport, exchange: Exchange, pick: (body: any) => T): Promise<Result<T>> {
  const answer = await send(exchange);
  if (!answer.ok) return answer;
  return success(pick(answer.data.body));
}

/** `cache` is not in Node's RequestInit type, but Next.js caches fetches on the server without it. */
function init(exchange: Exchange, timeoutMs: number): RequestInit & { cache: 'no-store' } {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (exchange.token !== undefined) headers.authorization = `Bearer ${exchange.token}`;
  if (exchange.body !== undefined) headers['content-type'] = 'application/json';
  return {
    method: exchange.method,
    headers,
    body: exchange.body === undefined ? null : JSON.stringify(exchange.body),
    credentials: exchange.token === undefined ? 'include' : 'omit',
    cache: 'no-store',
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  };
}

async function readAnswer(response: Response): Promise<Result<Answer>> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return failure('network_error', 'the answer of the service was cut short', 503);
  }
  const body = parseJson(text);
  if (response.ok) {
    return response.status === 204 || body !== undefined
      ? success({ status: response.status, body })
      : failure('invalid_response', `the service answered ${response.status} without JSON`, 502);
  }
  return serviceError(response, body);
}

function serviceError(response: Response, body: unknown): Result<never> {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    return failure('invalid_response', `the service answered ${response.status} without an error code`, response.status);
  }
  return failure(error.code, error.message, response.status, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Keeps a path prefix of the base (a service mounted at `/auth/` answers at `/auth/v1/...`). */
export function serviceUrl(base: URL, path: string): URL {
  return new URL(base.pathname.replace(/\/$/, '') + path, base);
}

function parseBaseUrl(baseUrl: string): URL {
  if (!URL.canParse(baseUrl)) throw new TypeError(`baseUrl: expected an absolute URL such as https://auth.example.com, got ${JSON.stringify(baseUrl)}`);
  return new URL(baseUrl);
}
