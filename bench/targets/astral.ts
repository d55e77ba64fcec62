// astral-auth itself, started from the root build (dist/cli.js) the way it is
// deployed: `node dist/cli.js serve`, default production settings, with
// plain-HTTP cookies. Once with embedded SQLite, once with PostgreSQL, and
// once with PostgreSQL + Redis (REDIS_URL, under a prefix of its own whose keys
// are counted, to show Redis was really used, and deleted afterwards).
//
// Seeding goes through the public API only (its store is not ours to write):
// users register, then every session is a real POST /v1/login, so N sessions
// cost N argon2id verifications. Logins are spread evenly over the users.
import { existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createDatabase, type TempDatabase } from "../lib/postgres.ts";
import { onCleanup } from "../lib/cleanup.ts";
import { freePort, startProcess, stopProcess, waitForHttp } from "../lib/processes.ts";
import { cookiePair, expectStatus, mapLimit, postJson, send } from "../lib/http.ts";
import type { Credentials, RequestSpec } from "../lib/types.ts";
import { ROOT_DIR, benchPassword, randomId, type Target } from "./common.ts";

const CLI = join(ROOT_DIR, "dist", "cli.js");
const COOKIE = "astral_session";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

interface LoginBody { sessionToken: string; accessToken: string }

function astralTarget(store: "sqlite" | "postgres", withRedis = false): Target {
  const storeLabel = store === "sqlite" ? "SQLite" : "PostgreSQL";
  const suffix = withRedis ? "redis" : "";
  return {
    id: `astral-${store}${suffix ? `-${suffix}` : ""}`,
    label: `astral-auth (${storeLabel}${suffix ? " + Redis" : ""})`,
    role: "subject",
    unavailable: () => (existsSync(CLI) ? null : "dist/cli.js not built (run `npm run build` at the root)"),
    async start(ctx) {
      const dataDir = join(ctx.tmpDir, `astral-${store}${suffix}`);
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
        name: `astral-${store}${suffix}`,
        command: process.execPath,
        args: [CLI, "serve"],
        cwd: ROOT_DIR,
        env,
        logFile: join(ctx.tmpDir, `astral-${store}${suffix}.log`),
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
          const sessions = await mapLimit(Array.from({ length: count }, (_, i) => users[i % users.length]!), 16, async (u) => {
            const res = await send(baseUrl, postJson("/v1/login", u, baseUrl));
            expectStatus(res, 200, "astral-auth login");
            const body = JSON.parse(res.body) as LoginBody;
            const cookie = cookiePair(res.setCookies, COOKIE);
            if (!cookie) throw new Error(`astral-auth login set no ${COOKIE} cookie: ${res.setCookies.join(" | ")}`);
            return { ...body, cookie };
          });
          const get = (headers: Record<string, string>): RequestSpec => ({ method: "GET", path: "/v1/session", headers });
          return {
            bearer: sessions.map((s) => get({ authorization: `Bearer ${s.sessionToken}` })),
            cookie: sessions.map((s) => get({ cookie: s.cookie })),
            jwt: sessions.map((s) => get({ authorization: `Bearer ${s.accessToken}` })),
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
        stop,
      };
    },
  };
}

const redis = (...args: string[]) => execFileSync("redis-cli", ["-u", REDIS_URL, ...args], { encoding: "utf8" });
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
