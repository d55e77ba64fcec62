import { call, strongPassword, uniqueEmail } from './http.js';

/**
 * Background traffic for the fault tests: request loops that run side by
 * side until stopped, counting every answer by what was asked and what came
 * back, and keeping the first unexpected ones to show in a failure.
 */
export interface Outcome {
  /** What was asked and answered, e.g. `GET /v1/session 200`. */
  readonly label: string;
  readonly expected: boolean;
}

export class Load {
  readonly counts = new Map<string, number>();
  /** The first unexpected answers, for the failure message. */
  readonly unexpected: string[] = [];
  unexpectedCount = 0;
  private running = true;
  private readonly loops: Array<Promise<void>>;

  constructor(concurrency: number, step: () => Promise<Outcome>) {
    this.loops = Array.from({ length: concurrency }, () => this.loop(step));
  }

  get total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  summary(): string {
    return [...this.counts].map(([label, count]) => `${label}: ${count}`).join(', ');
  }

  private async loop(step: () => Promise<Outcome>): Promise<void> {
    while (this.running) {
      const outcome = await step().catch((error: unknown) => ({ label: `no answer (${describe(error)})`, expected: false }));
      this.counts.set(outcome.label, (this.counts.get(outcome.label) ?? 0) + 1);
      if (!outcome.expected) {
        this.unexpectedCount++;
        if (this.unexpected.length < 20) this.unexpected.push(outcome.label);
      }
    }
  }
}

export interface Account {
  readonly email: string;
  readonly password: string;
  readonly sessionToken: string;
  readonly userId: string;
}

/** Registers and logs in one account; throws unless both succeed. */
export async function createAccount(base: string, email = uniqueEmail(), password = strongPassword()): Promise<Account> {
  const registered = await call(base, 'POST', '/v1/register', { body: { email, password } });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${registered.text}`);
  const login = await call(base, 'POST', '/v1/login', { body: { email, password } });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.text}`);
  return { email, password, sessionToken: login.body.sessionToken, userId: login.body.user.id };
}

/**
 * The service's everyday mix, as the soak also sends it: 90 % session
 * checks, 8 % logins, 2 % registrations, each to a random instance. Every
 * one of them should succeed; `timeoutMs` bounds how long one may take.
 */
export function mixedTraffic(targets: () => readonly string[], accounts: readonly Account[], timeoutMs = 15_000): () => Promise<Outcome> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  return async () => {
    const base = pick(targets());
    const roll = Math.random();
    if (roll < 0.9) {
      const reply = await call(base, 'GET', '/v1/session', { token: pick(accounts).sessionToken, timeoutMs });
      return { label: `GET /v1/session ${reply.status}`, expected: reply.status === 200 };
    }
    if (roll < 0.98) {
      const { email, password } = pick(accounts);
      const reply = await call(base, 'POST', '/v1/login', { body: { email, password }, timeoutMs });
      return { label: `POST /v1/login ${reply.status}`, expected: reply.status === 200 };
    }
    const reply = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail('load'), password: strongPassword() }, timeoutMs });
    return { label: `POST /v1/register ${reply.status}`, expected: reply.status === 201 };
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : (error.cause as Error | undefined)?.message ?? error.message;
  return String(error);
}

/** Polls `condition` until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms`);
}
