// Better Auth (peers/better-auth.ts), once on SQLite and once on PostgreSQL.
//
// Seeding: users sign up through the API (scrypt each); every user then signs
// in once through the API, and the rest of the sessions are copies of those
// real rows with a new id and token, written straight into Better Auth's
// documented `session` table. That gives the same table size as N real
// sign-ins without N scrypt runs. Cookies carry `token.signature` (HMAC-SHA256
// with the app secret, as Better Auth signs them); the harness checks its
// signature against the cookies of the real sign-ins before using it.
import { createHmac, randomInt } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { createDatabase, type TempDatabase } from "../lib/postgres.ts";
import { cookiePair, expectStatus, mapLimit, postJson, send } from "../lib/http.ts";
import type { Credentials, RequestSpec } from "../lib/types.ts";
import { benchPassword, randomId, randomSecret, startPeer, type Target } from "./common.ts";

const COOKIE = "better-auth.session_token";
const ALPHANUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const betterAuthId = () => Array.from({ length: 32 }, () => ALPHANUM[randomInt(ALPHANUM.length)]).join("");

const signCookie = (secret: string, token: string) =>
  `${COOKIE}=${encodeURIComponent(`${token}.${createHmac("sha256", secret).update(token).digest("base64")}`)}`;

interface Copy { id: string; token: string; source: string }

async function copySessionsSqlite(file: string, copies: Copy[]) {
  const db = new Database(file);
  try {
    const insert = db.prepare(`INSERT INTO "session" ("id", "token", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
      SELECT ?, ?, "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId" FROM "session" WHERE "id" = ?`);
    db.transaction(() => { for (const c of copies) insert.run(c.id, c.token, c.source); })();
  } finally { db.close(); }
}

async function copySessionsPostgres(url: string, copies: Copy[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < copies.length; i += 1000) {
      const batch = copies.slice(i, i + 1000);
      const values = batch.map((_, j) => `($${3 * j + 1}, $${3 * j + 2}, $${3 * j + 3})`).join(", ");
      await client.query(`INSERT INTO "session" ("id", "token", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
        SELECT v.id, v.token, s."expiresAt", s."createdAt", s."updatedAt", s."ipAddress", s."userAgent", s."userId"
        FROM (VALUES ${values}) AS v(id, token, src) JOIN "session" s ON s."id" = v.src`, batch.flatMap((c) => [c.id, c.token, c.source]));
    }
  } finally { await client.end(); }
}

function betterAuthTarget(store: "sqlite" | "postgres"): Target {
  return {
    id: `better-auth-${store}`,
    label: `Better Auth (${store === "sqlite" ? "SQLite" : "PostgreSQL"})`,
    role: "peer",
    async start(ctx) {
      const secret = randomSecret();
      let database: TempDatabase | undefined;
      const sqliteFile = join(ctx.tmpDir, "better-auth.db");
      if (store === "postgres") database = await createDatabase("better_auth");
      const dbSpec = database ? database.url : sqliteFile;
      const peer = await startPeer(ctx, `better-auth-${store}`, "better-auth.ts", { BENCH_DB: dbSpec, BENCH_SECRET: secret }, "/api/auth/ok")
        .catch(async (err) => { await database?.drop(); throw err; });
      const origin = peer.baseUrl;
      const run = randomId();
      return {
        baseUrl: peer.baseUrl,
        proc: peer.proc,
        notes: ["scrypt N=16384 r=16 p=1 (node:crypto)", "rate limiter off", "autoSignIn off", ...(store === "sqlite" ? ["SQLite WAL"] : ["pg Pool default (10)"])],
        async seedUsers(count) {
          const users: Credentials[] = Array.from({ length: count }, (_, i) => ({ email: `ba-${run}-${i}@bench.test`, password: benchPassword(i) }));
          await mapLimit(users, 16, async (u, i) => {
            expectStatus(await send(peer.baseUrl, postJson("/api/auth/sign-up/email", { ...u, name: `Bench ${i}` }, origin)), 200, "Better Auth sign-up");
          });
          return users;
        },
        async seedSessions(users, count) {
          const real = await mapLimit(users.slice(0, Math.min(users.length, count)), 16, async (u) => {
            const res = await send(peer.baseUrl, postJson("/api/auth/sign-in/email", u, origin));
            expectStatus(res, 200, "Better Auth sign-in");
            const token = (JSON.parse(res.body) as { token: string }).token;
            const cookie = cookiePair(res.setCookies, COOKIE);
            if (cookie !== signCookie(secret, token)) throw new Error(`Better Auth cookie format changed: ${cookie}`);
            return token;
          });
          const tokens = [...real];
          if (count > real.length) {
            const ids = await sessionIds(store, dbSpec, real);
            const copies: Copy[] = Array.from({ length: count - real.length }, (_, i) => ({ id: betterAuthId(), token: betterAuthId(), source: ids[i % ids.length]! }));
            if (store === "sqlite") await copySessionsSqlite(sqliteFile, copies);
            else await copySessionsPostgres(dbSpec, copies);
            tokens.push(...copies.map((c) => c.token));
          }
          const get = (headers: Record<string, string>): RequestSpec => ({ method: "GET", path: "/api/auth/get-session", headers });
          return {
            bearer: tokens.map((t) => get({ authorization: `Bearer ${t}` })),
            cookie: tokens.map((t) => get({ cookie: signCookie(secret, t) })),
          };
        },
        login: {
          request: (u) => postJson("/api/auth/sign-in/email", u, origin),
          check: { status: 200, bodyMarker: '"token":"' },
        },
        register: {
          request: () => postJson("/api/auth/sign-up/email", { email: `reg-@N@@bench.test`, password: `bench-reg-@N@-pw`, name: "Bench" }, origin),
          check: { status: 200 },
        },
        // Its sign-in and session answers both hold "token": a sign-in also says "redirect".
        mixed: {
          mode: "cookie",
          checks: [
            { kind: "register", check: { status: 200, bodyMarker: '"token":null' } },
            { kind: "login", check: { status: 200, bodyMarker: '"redirect":' } },
            { kind: "session", check: { status: 200, bodyMarker: '"session":' } },
          ],
        },
        async stop() {
          await peer.stop();
          await database?.drop();
        },
      };
    },
  };
}

/** Ids of the session rows whose tokens are given (the real sign-ins), to copy from. */
async function sessionIds(store: "sqlite" | "postgres", dbSpec: string, tokens: string[]): Promise<string[]> {
  if (store === "sqlite") {
    const db = new Database(dbSpec, { readonly: true });
    try {
      const q = db.prepare<[string], { id: string }>(`SELECT "id" FROM "session" WHERE "token" = ?`);
      return tokens.map((t) => q.get(t)!.id);
    } finally { db.close(); }
  }
  const client = new pg.Client({ connectionString: dbSpec });
  await client.connect();
  try {
    const res = await client.query<{ id: string }>(`SELECT "id" FROM "session" WHERE "token" = ANY($1)`, [tokens]);
    return res.rows.map((r) => r.id);
  } finally { await client.end(); }
}

export const betterAuthSqlite = betterAuthTarget("sqlite");
export const betterAuthPostgres = betterAuthTarget("postgres");
