// Small client helpers for seeding and sanity checks (not for measuring).
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface SimpleResponse { status: number; body: string; setCookies: string[]; headers: Headers }

export async function send(baseUrl: string, spec: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<SimpleResponse> {
  const res = await fetch(baseUrl + spec.path, {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    redirect: "manual",
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text(), setCookies: res.headers.getSetCookie(), headers: res.headers };
}

export function postJson(path: string, body: unknown, origin?: string) {
  return {
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...(origin ? { origin } : {}) },
    body: JSON.stringify(body),
  };
}

/** `name=value` of the Set-Cookie whose name is `name`, or undefined. */
export function cookiePair(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const pair = c.split(";")[0]!;
    if (pair.slice(0, pair.indexOf("=")) === name) return pair;
  }
  return undefined;
}

export function expectStatus(res: SimpleResponse, expected: number, what: string): void {
  if (res.status !== expected) throw new Error(`${what}: expected ${expected}, got ${res.status}: ${res.body.slice(0, 300)}`);
}
