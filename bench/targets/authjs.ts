// Auth.js (peers/authjs.ts): Credentials provider, JWT sessions.
//
// Seeding: users are created through the app's own sign-up route (bcrypt 10).
// JWT sessions hold no server state, so N sessions are N session cookies: the
// harness mints them with @auth/core/jwt `encode()` and the app's secret, with
// the same claims a real sign-in puts there (name, email, sub, iat, exp, jti),
// after checking that a real sign-in's cookie decodes to that claim set.
// Every request also carries the CSRF and callback-url cookies a browser
// would hold, so the session endpoint has nothing else to issue.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { decode, encode } from "@auth/core/jwt";
import { cookiePair, expectStatus, mapLimit, postJson, send } from "../lib/http.ts";
import type { Credentials, RequestSpec } from "../lib/types.ts";
import { benchPassword, randomId, randomSecret, startPeer, type Target } from "./common.ts";

const SESSION_COOKIE = "authjs.session-token";
const MAX_AGE_S = 30 * 24 * 3600; // Auth.js default session maxAge

export const authjs: Target = {
  id: "authjs",
  label: "Auth.js (JWT sessions)",
  role: "peer",
  async start(ctx) {
    const secret = randomSecret();
    const peer = await startPeer(ctx, "authjs", "authjs.ts", { BENCH_DB: join(ctx.tmpDir, "authjs.db"), BENCH_SECRET: secret }, "/auth/providers");
    const run = randomId();
    const ids = new Map<string, string>();

    // One CSRF token + cookie pair serves every sign-in (double-submit, stateless).
    const csrfRes = await send(peer.baseUrl, { method: "GET", path: "/auth/csrf" });
    expectStatus(csrfRes, 200, "Auth.js /auth/csrf");
    const csrfToken = (JSON.parse(csrfRes.body) as { csrfToken: string }).csrfToken;
    const browserCookies = ["authjs.csrf-token", "authjs.callback-url"].map((n) => cookiePair(csrfRes.setCookies, n)).filter(Boolean).join("; ");

    const signIn = (u: Credentials): RequestSpec => ({
      method: "POST",
      path: "/auth/callback/credentials",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: browserCookies, origin: peer.baseUrl },
      body: new URLSearchParams({ csrfToken, email: u.email, password: u.password }).toString(),
    });

    return {
      ...peer,
      notes: ["bcrypt cost 10 (@node-rs/bcrypt)", "users in app's SQLite table (WAL)", "sessions minted with @auth/core/jwt encode()"],
      async seedUsers(count) {
        const users: Credentials[] = Array.from({ length: count }, (_, i) => ({ email: `aj-${run}-${i}@bench.test`, password: benchPassword(i) }));
        await mapLimit(users, 16, async (u, i) => {
          const res = await send(peer.baseUrl, postJson("/bench/users", { ...u, name: `Bench ${i}` }));
          expectStatus(res, 201, "Auth.js app sign-up");
          ids.set(u.email, (JSON.parse(res.body) as { user: { id: string } }).user.id);
        });
        return users;
      },
      async seedSessions(users, count) {
        // A real sign-in, to check that minted cookies hold what Auth.js itself puts there.
        const real = await send(peer.baseUrl, signIn(users[0]!));
        const realCookie = cookiePair(real.setCookies, SESSION_COOKIE);
        if (real.status !== 302 || !realCookie) throw new Error(`Auth.js sign-in failed: ${real.status}`);
        const claims = await decode({ token: realCookie.slice(SESSION_COOKIE.length + 1), secret, salt: SESSION_COOKIE });
        const expected = ["email", "exp", "iat", "jti", "name", "sub"];
        if (JSON.stringify(Object.keys(claims ?? {}).sort()) !== JSON.stringify(expected)) {
          throw new Error(`Auth.js session claims changed: ${Object.keys(claims ?? {}).join(",")}`);
        }
        const now = Math.floor(Date.now() / 1000);
        const tokens = await mapLimit(Array.from({ length: count }, (_, i) => i), 64, async (i) => {
          const u = users[i % users.length]!;
          return encode({
            secret,
            salt: SESSION_COOKIE,
            maxAge: MAX_AGE_S,
            token: { name: `Bench ${i % users.length}`, email: u.email, sub: ids.get(u.email)!, iat: now, exp: now + MAX_AGE_S, jti: randomUUID() },
          });
        });
        return {
          cookie: tokens.map((t) => ({ method: "GET", path: "/auth/session", headers: { cookie: `${SESSION_COOKIE}=${t}; ${browserCookies}` } })),
        };
      },
      // The sign-in answer is a bodiless redirect whose only Set-Cookie is the session.
      login: { request: signIn, check: { status: 302, cookieMarker: `${SESSION_COOKIE}=` } },
      // No registration of its own: the mixed load's 2 % go to the test app's sign-up (bcrypt + insert).
      mixed: {
        mode: "cookie",
        register: postJson("/bench/users", { email: "reg-@N@@bench.test", password: "bench-reg-@N@-pw", name: "Bench" }),
        checks: [
          { kind: "register", check: { status: 201 } },
          { kind: "login", check: { status: 302, cookieMarker: `${SESSION_COOKIE}=` } },
          { kind: "session", check: { status: 200, bodyMarker: '"user"' } },
        ],
        note: "registrations through the test app's own sign-up route",
      },
    };
  },
};
