/** Small fetch helpers for the HTTP suites. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: any;
}

export interface CallOptions {
  readonly body?: unknown;
  readonly rawBody?: string | Buffer;
  readonly token?: string;
  readonly cookie?: string;
  readonly headers?: Record<string, string>;
  /** Abandon the call after this long (the call then rejects with a TimeoutError). */
  readonly timeoutMs?: number;
}

export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const signal = options.timeoutMs === undefined ? null : AbortSignal.timeout(options.timeoutMs);
  const response = await fetch(new URL(path, base), { method, headers, body, signal });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: parse(text) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A password that passes the policy and is unique per call. */
export function strongPassword(): string {
  return `orbit lantern ${Math.random().toString(36).slice(2)} meadow`;
}

let counter = 0;
export function uniqueEmail(local = 'user'): string {
  counter++;
  return `${local}.${process.pid}.${counter}.${Date.now().toString(36)}@example.test`;
}
