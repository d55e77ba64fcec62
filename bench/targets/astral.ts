// astral-auth itself, started from the root build (dist/cli.js) the way it is
// deployed: `node dist/cli.js serve`, default production settings, with
// plain-HTTP cookies. Once with embedded SQLite, once with PostgreSQL, and
// once with PostgreSQL + Redis (REDIS_URL, under a prefix of its own whose keys
// are counted, to show Redis was really used, and deleted afterwards).
//
// Seeding: users register through POST /v1/register (one argon2id hash each),
// and a handful of them log in through POST /v1/login. The other sessions are
// written straight into the service's own tables after it has migrated them
// (see lib/astral-db.ts): N logins would cost N argon2id verifications, hours
// for a million. Access tokens exist only through the API, so a few hundred
// are issued by POST /v1/token for seeded sessions. The scale workload's bulk
// users are written the same way, all with one argon2id hash of one password
// made at the service's default cost, so that a login of any of them costs
// exactly one verification, as a real one does.
import { existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import { hash as argon2Hash } from "@node-rs/argon2";
import { createDatabase, type TempDatabase } from "../lib/postgres.ts";
import { onCleanup } from "../lib/cleanup.ts";
import { freePort, startProcess, stopProcess, waitForHttp } from "../lib/processes.ts";
import { cookiePair, expectStatus, mapLimit, postJson, send } from "../lib/http.ts";
import { openPostgres, openSqlite, sessionRow, TokenMint, type AstralDb, type SessionRow } from "../lib/astral-db.ts";
import type { Credentials, RequestSpec } from "../lib/types.ts";
import { ROOT_DIR, benchPassword, randomId, type ScaleHooks, type Target } from "./common.ts";

const CLI = join(ROOT_DIR, "dist", "cli.js");
const COOKIE = "astral_session";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The SQLite file the service keeps in ASTRAL_DATA_DIR (SQLITE_FILE in src/store/open-store.ts). */
const SQLITE_FILE = "astral-auth.db";
/** Sessions of the session workload made by a real POST /v1/login; the rest are written into the store. */
const REAL_LOGINS = 16;
/** Access tokens issued through POST /v1/token for the JWT variant, over seeded sessions spread evenly. */
const ACCESS_TOKENS = 500;
/** Scale workload: users created through POST /v1/register (and logged in once) before the bulk rows. */
const API_USERS = 8;
/** The service's default argon2id cost (ASTRAL_ARGON2_*); Algorithm.Argon2id = 2. */
const ARGON2_DEFAULTS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

interface LoginBody { sessionToken: string; accessToken: string }

let bulkPassword: Promise<{ password: string; hash: string }> | undefined;
/** One password and its argon2id hash, shared by every bulk user of the run. */
function sharedPassword() {
  const password = `bench-bulk-${randomBytes(9).toString("base64url")}-pw`;
  return (bulkPassword ??= argon2Hash(password, ARGON2_DEFAULTS).then((hash) => ({ password, hash })));
}

const getSession = (headers: Record<string, string>): RequestSpec => ({ method: "GET", path: "/v1/session", headers });

/** Checks that each token's session answers 200 for the right user: seeded rows must read as the service's own. */
async function checkSessions(baseUrl: string, sample: { token: string; email: string }[], what: string) {
  for (const { token, email } of sample) {
    const res = await send(baseUrl, getSession({ authorization: `Bearer ${token}` }));
    expectStatus(res, 200, `${what}: GET /v1/session with a seeded token`);
    const body = JSON.parse(res.body) as { user?: { email?: string } };
    if (body.user?.email !== email) throw new Error(`${what}: seeded session answered for ${body.user?.email}, expected ${email}`);
  }
}

/** `n` distinct integers in [0, size), at random, none of `exclude` (which grows by them). */
function drawDistinct(n: number, size: number, exclude: Set<number>): number[] {
  const free = size - [...exclude].filter((i) => i < size).length;
  if (n > free) throw new Error(`cannot draw ${n} unused sessions out of ${free}`);
  const out: number[] = [];
  if (n > free / 2) {
    const pool = Array.from({ length: size }, (_, i) => i).filter((i) => !exclude.has(i));
    for (let k = 0; k < n; k++) {
      const j = k + randomInt(pool.length - k);
      [pool[k], pool[j]] = [pool[j]!, pool[k]!];
      out.push(pool[k]!);
    }
  } else {
    while (out.length < n) {
      const i = randomInt(size);
      if (!exclude.has(i)) { exclude.add(i); out.push(i); }
    }
  }
  for (const i of out) exclude.add(i);
  return out;
}

function astralTarget(store: "sqlite" | "postgres", withRedis = false, workers = 1): Target {
  const storeLabel = store === "sqlite" ? "SQLite" : "PostgreSQL";
  const suffix = `${withRedis ? "redis" : ""}${workers > 1 ? `-${workers}w` : ""}`;
  return {
    id: `astral-${store}${suffix ? `-${suffix}` : ""}`,
    label: `astral-auth (${storeLabel}${withRedis ? " + Redis" : ""}${workers > 1 ? `, ${workers} workers` : ""})`,
    role: "subject",
    unavailable: () => (existsSync(CLI) ? null : "dist/cli.js not built (run `npm run build` at the root)"),
    async start(ctx) {
      const name = `astral-${store}${suffix}${ctx.purpose ? `-${ctx.purpose}` : ""}`;
      const dataDir = join(ctx.tmpDir, name);
      mkdirSync(dataDir, { recursive: true });
      let database: TempDatabase | undefined;
      const env: Record<string, string> = {
        NODE_ENV: "production",
        ASTRAL_HOST: "127.0.0.1",
        ASTRAL_DATA_DIR: dataDir,
        ASTRAL_COOKIE_SECURE: "false",
        ASTRAL_LOG_LEVEL: "info",
        // The suite outlasts the default 5-minute access tokens issued while
        // seeding; the lifetime does not change what a check costs.
        ASTRAL_ACCESS_TOKEN_TTL: "1h",
        // One load generator on one address would hit the per-address request
        // limits at once (login 30, register 10, other routes 600 a minute).
        // They are raised to their maximum rather than turned off, so their
        // counting is still paid for on every request.
        ASTRAL_RATE_LOGIN: "1000000",
        ASTRAL_RATE_REGISTER: "1000000",
        ASTRAL_RATE_GENERAL: "1000000",
        // Default is 5 sessions per user (a new one ends the oldest); the
        // suite keeps up to sessions/users (50 by default) per user.
        ASTRAL_MAX_SESSIONS: "100",
        ...(workers > 1 ? { ASTRAL_WORKERS: String(workers) } : {}),
      };
      const redisPrefix = `astral-bench-${randomId()}:`;
      const redisCleanup = withRedis ? onCleanup(async () => deleteRedisKeys(redisPrefix)) : undefined;
      if (withRedis) {
        env.REDIS_URL = REDIS_URL;
        env.ASTRAL_REDIS_PREFIX = redisPrefix;
      }
      if (store === "postgres") {
        database = await createDatabase("astral");
        env.DATABASE_URL = database.url;
        env.ASTRAL_SECRET_KEY = randomBytes(32).toString("base64");
      }
      const port = await freePort();
      env.ASTRAL_PORT = String(port);
      const proc = startProcess({
        name,
        command: process.execPath,
        args: [CLI, "serve"],
        cwd: ROOT_DIR,
        env,
        logFile: join(ctx.tmpDir, `${name}.log`),
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      const notes = [
        "argon2id m=19456 t=2 p=1 (defaults)",
        "default settings except ASTRAL_COOKIE_SECURE=false (plain HTTP), ASTRAL_ACCESS_TOKEN_TTL=1h, per-address rate limits ASTRAL_RATE_LOGIN/REGISTER/GENERAL raised to 1,000,000 a minute (still counted), ASTRAL_MAX_SESSIONS=100",
      ];
      const stop = async () => {
        await stopProcess(proc);
        await database?.drop();
        if (withRedis) {
          notes.push(`${countRedisKeys(redisPrefix)} Redis keys under its own prefix at the end (deleted afterwards)`);
          await redisCleanup?.();
        }
      };
      try { await waitForHttp(proc, `${baseUrl}/v1/session`); } catch (err) { await stop(); throw err; }
      const run = randomId();
      const mint = new TokenMint();
      const openDb = (): Promise<AstralDb> => (database ? openPostgres(database.url) : Promise.resolve(openSqlite(join(dataDir, SQLITE_FILE))));
      const login = async (u: Credentials) => {
        const res = await send(baseUrl, postJson("/v1/login", u, baseUrl));
        expectStatus(res, 200, "astral-auth login");
        const body = JSON.parse(res.body) as LoginBody;
        const cookie = cookiePair(res.setCookies, COOKIE);
        // The cookie is the session token itself: seeded tokens can be sent as cookies too.
        if (cookie !== `${COOKIE}=${body.sessionToken}`) throw new Error(`astral-auth login cookie is not ${COOKIE}=<session token>: ${res.setCookies.join(" | ")}`);
        return body;
      };
      return {
        baseUrl,
        proc,
        notes,
        async seedUsers(count) {
          const users: Credentials[] = Array.from({ length: count }, (_, i) => ({ email: `as-${run}-${i}@bench.test`, password: benchPassword(i) }));
          await mapLimit(users, 16, async (u, i) => {
            expectStatus(await send(baseUrl, postJson("/v1/register", { ...u, name: `Bench ${i}` }, baseUrl)), 201, "astral-auth register");
          });
          return users;
        },
        async seedSessions(users, count) {
          const real = await mapLimit(users.slice(0, Math.min(REAL_LOGINS, users.length, count)), 8, login);
          const sessions = real.map((b, i) => ({ token: b.sessionToken, email: users[i]!.email }));
          const db = await openDb();
          try {
            const ids = await db.userIds(users.map((u) => u.email));
            const now = Date.now();
            const rows: SessionRow[] = [];
            for (let i = sessions.length; i < count; i++) {
              const u = users[i % users.length]!;
              const token = mint.token("session", i);
              rows.push(sessionRow(token, ids.get(u.email) ?? missing(u.email), now));
              sessions.push({ token, email: u.email });
            }
            await db.insertSessions(rows);
            await db.settle();
          } finally { await db.close(); }
          await checkSessions(baseUrl, [sessions.at(-1)!, sessions[Math.floor(sessions.length / 2)]!, sessions[sessions.length - 1 - REAL_LOGINS] ?? sessions[0]!], "astral-auth");
          const jwtCount = Math.min(ACCESS_TOKENS, sessions.length);
          const jwt = await mapLimit(Array.from({ length: jwtCount }, (_, k) => sessions[Math.floor((k * sessions.length) / jwtCount)]!), 16, async (s) => {
            const res = await send(baseUrl, { method: "POST", path: "/v1/token", headers: { authorization: `Bearer ${s.token}` } });
            expectStatus(res, 200, "astral-auth POST /v1/token");
            return (JSON.parse(res.body) as { accessToken: string }).accessToken;
          });
          notes.push(`session workload: ${real.length} sessions from POST /v1/login, the rest written into the store; ${jwt.length} access tokens from POST /v1/token over sessions spread evenly`);
          return {
            bearer: sessions.map((s) => getSession({ authorization: `Bearer ${s.token}` })),
            cookie: sessions.map((s) => getSession({ cookie: `${COOKIE}=${s.token}` })),
            jwt: jwt.map((t) => getSession({ authorization: `Bearer ${t}` })),
          };
        },
        login: {
          request: (u) => postJson("/v1/login", u, baseUrl),
          // A body marker: wrk shows Lua only the last of several Set-Cookie headers.
          check: { status: 200, bodyMarker: '"sessionToken"' },
        },
        register: {
          request: () => postJson("/v1/register", { email: `reg-@N@@bench.test`, password: `bench-reg-@N@-pw`, name: "Bench" }, baseUrl),
          check: { status: 201 },
        },
        mixed: {
          mode: "bearer",
          // A login's answer also names the user: it is matched first.
          checks: [
            { kind: "register", check: { status: 201 } },
            { kind: "login", check: { status: 200, bodyMarker: '"sessionToken"' } },
            { kind: "session", check: { status: 200, bodyMarker: '"user"' } },
          ],
        },
        scale: scaleHooks({ baseUrl, run, mint, openDb, login, engine: storeLabel }),
        stop,
      };
    },
  };
}

function missing(email: string): never {
  throw new Error(`astral-auth: no user row for ${email}`);
}

/**
 * The scale workload's store: bulk user i has e-mail sc-<run>-i@bench.test and
 * one session, whose token the mint derives from "scale:i". Before the first
 * bulk rows, API_USERS users register and log in through the API.
 */
function scaleHooks(o: {
  baseUrl: string; run: string; mint: TokenMint; engine: string;
  openDb(): Promise<AstralDb>; login(u: Credentials): Promise<LoginBody>;
}): ScaleHooks {
  let bulk = 0;
  let extras = 0;
  let apiDone = false;
  const used = new Set<number>();
  const email = (i: number) => `sc-${o.run}-${i}@bench.test`;
  const token = (i: number) => o.mint.token("scale", i);
  const check = (i: number) => getSession({ authorization: `Bearer ${token(i)}` });
  return {
    async grow(totalUsers) {
      const t0 = Date.now();
      if (!apiDone) {
        const users = Array.from({ length: API_USERS }, (_, i) => ({ email: `sc-${o.run}-api-${i}@bench.test`, password: benchPassword(i) }));
        for (const [i, u] of users.entries()) {
          expectStatus(await send(o.baseUrl, postJson("/v1/register", { ...u, name: `Scale API ${i}` }, o.baseUrl)), 201, "astral-auth register");
          await o.login(u);
        }
        apiDone = true;
      }
      const { password, hash } = await sharedPassword();
      const db = await o.openDb();
      let added = 0;
      try {
        const before = await db.counts();
        const add = Math.max(0, totalUsers - before.users);
        await db.insertBulk({
          from: bulk, count: add, emailPrefix: `sc-${o.run}-`, emailSuffix: "@bench.test", namePrefix: "Scale ",
          hashedPassword: hash, mint: o.mint, label: "scale", now: Date.now(),
        });
        bulk += add;
        added += add;
        // Registrations measured at the size before added users without sessions: bulk users
        // get a second session each until there are as many sessions as users.
        const grown = await db.counts();
        const short = grown.users - grown.sessions;
        if (short > 0) {
          const now = Date.now();
          const ids = await db.userIds(Array.from({ length: short }, (_, k) => email(k % bulk)));
          const extra = Array.from({ length: short }, (_, k) => sessionRow(o.mint.token("scale-extra", extras + k), ids.get(email(k % bulk)) ?? missing(email(k % bulk)), now));
          await db.insertSessions(extra);
          extras += short;
        }
        await db.settle();
        // Seeded rows must read as the service's own: a few sessions, and a login
        // that verifies the shared hash and keeps it (no rehash on every login).
        const probe = drawDistinct(Math.min(3, bulk), bulk, used);
        await checkSessions(o.baseUrl, probe.map((i) => ({ token: token(i), email: email(i) })), "astral-auth scale");
        const who = randomInt(bulk);
        await o.login({ email: email(who), password });
        if ((await db.passwordHash(email(who))) !== hash) throw new Error("astral-auth rewrote a bulk user's password hash at login: logins would not cost one verification");
        const counts = await db.counts();
        const seconds = (Date.now() - t0) / 1000;
        return { added, seconds, counts };
      } finally { await db.close(); }
    },
    freshSessions: (n) => drawDistinct(n, bulk, used).map(check),
    sessions(n) {
      const picked = drawDistinct(Math.min(n, bulk), bulk, new Set());
      for (const i of picked) used.add(i);
      return picked.map(check);
    },
    async logins(n) {
      const { password } = await sharedPassword();
      return Array.from({ length: n }, () => postJson("/v1/login", { email: email(randomInt(bulk)), password }, o.baseUrl));
    },
    async counts() {
      const db = await o.openDb();
      try { return await db.counts(); } finally { await db.close(); }
    },
    describe: () => `${o.engine}: ${API_USERS} users through POST /v1/register + POST /v1/login, then bulk users with one session each written straight into the store (rows and seconds per size in section 6)`,
  };
}

// A cached million sessions is tens of MB of key names: room for them.
const redis = (...args: string[]) => execFileSync("redis-cli", ["-u", REDIS_URL, ...args], { encoding: "utf8", maxBuffer: 512 * 2 ** 20 });
const redisKeys = (prefix: string) => redis("--scan", "--pattern", `${prefix}*`).split("\n").filter(Boolean);

function countRedisKeys(prefix: string): number {
  try { return redisKeys(prefix).length; } catch { return NaN; }
}

/** Deletes the keys under our own prefix, never anything else. */
export function deleteRedisKeys(prefix: string): void {
  const keys = redisKeys(prefix);
  for (let i = 0; i < keys.length; i += 500) redis("del", ...keys.slice(i, i + 500));
}

export const astralSqlite = astralTarget("sqlite");
export const astralPostgres = astralTarget("postgres");
export const astralPostgresRedis = astralTarget("postgres", true);
/** ASTRAL_WORKERS=2: both cores checking sessions; measured on the mixed load only (unpinned). */
export const astralPostgresRedisWorkers = astralTarget("postgres", true, 2);
