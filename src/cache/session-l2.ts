import type { Redis } from 'ioredis';
import type { SessionView } from '../domain/ports.js';

/**
 * The shared tier: each session under its token hash and its id, and each
 * user's cached sessions in a set, so one user-wide invalidation finds them
 * all. Invalidation leaves a tombstone for a while, and a fill is refused
 * while one stands: otherwise an instance that read a session just before it
 * was revoked could write it back after the revocation had swept the cache.
 * Reads and fills fail soft: Redis missing is a cache miss, not an error.
 * Drops say whether Redis took them: a drop that did not reach Redis leaves a
 * revoked session in it, so the caller must not trust it until `sweep` ran.
 */
const TOMBSTONE_MS = 30_000;
const SWEEP_BATCH = 1_000;

const FILL = `
if redis.call('EXISTS', KEYS[4]) == 1 or redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1`;

const DROP_SESSION = `
local member = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
if not member then return 0 end
local view = cjson.decode(member)
redis.call('DEL', KEYS[1], ARGV[2] .. view.tokenHash)
return 1`;

const DROP_USER = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local id, hash = string.match(member, '([^ ]+) ([^ ]+)')
  if id ~= ARGV[3] then redis.call('DEL', ARGV[2] .. 'i:' .. id, ARGV[2] .. 's:' .. hash) end
end
redis.call('DEL', KEYS[1])
return 1`;

export class SessionL2 {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  async getByHash(tokenHash: string): Promise<SessionView | undefined> {
    return decode(await this.redis.get(this.key('s:', tokenHash)).catch(() => null));
  }

  async getById(sessionId: string): Promise<SessionView | undefined> {
    return decode(await this.redis.get(this.key('i:', sessionId)).catch(() => null));
  }

  async fill(view: SessionView, now: number): Promise<void> {
    const ttl = Math.min(this.ttlMs, view.expiresAt - now);
    if (ttl <= 0) return;
    const hash = view.tokenHash;
    const keys = [this.key('s:', hash), this.key('i:', view.id), this.key('u:', view.userId), this.key('ts:', view.id), this.key('tu:', view.userId)];
    await this.redis.eval(FILL, keys.length, ...keys, encode(view), String(ttl), `${view.id} ${hash}`).catch(() => undefined);
  }

  /** True once Redis has dropped the session (or never had it). */
  async dropSession(sessionId: string): Promise<boolean> {
    return this.redis
      .eval(DROP_SESSION, 2, this.key('i:', sessionId), this.key('ts:', sessionId), String(TOMBSTONE_MS), this.key('s:', ''))
      .then(() => true, () => false);
  }

  async dropUser(userId: string, exceptSessionId: string | null): Promise<boolean> {
    return this.redis
      .eval(DROP_USER, 2, this.key('u:', userId), this.key('tu:', userId), String(TOMBSTONE_MS), this.prefix, exceptSessionId ?? '')
      .then(() => true, () => false);
  }

  /**
   * Deletes every cached session, keeping the tombstones. After an outage
   * nobody knows which revocations Redis missed, so the shared tier starts
   * over, as each instance's memory does. Rejects if Redis does not answer.
   */
  async sweep(): Promise<void> {
    for (const kind of ['s:', 'i:', 'u:']) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${globEscape(this.prefix)}${kind}*`, 'COUNT', SWEEP_BATCH);
        if (keys.length > 0) await this.redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}${id}`;
  }
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

function encode(view: SessionView): string {
  return JSON.stringify(view);
}

function decode(text: string | null): SessionView | undefined {
  return text ? (JSON.parse(text) as SessionView) : undefined;
}
