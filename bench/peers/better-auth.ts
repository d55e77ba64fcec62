// Better Auth with its email-and-password setup, served by its own Node
// handler. BENCH_DB picks the store: a SQLite file path (better-sqlite3) or a
// postgres:// URL (pg Pool). The bearer plugin lets the same sessions be
// presented as `Authorization: Bearer <token>` as well as the cookie.
//
// Settings that differ from a bare `betterAuth({...})`, and why:
// - rateLimit disabled: the default limiter (100 requests / 10 s per IP in
//   production) would answer 429 to a load generator on one address.
// - autoSignIn false: sign-up then only creates the user, as astral-auth's
//   /v1/register does, so registration figures compare like with like.
// - SQLite in WAL mode, as any server deployment of SQLite would run it.
import { createServer } from "node:http";
import Database from "better-sqlite3";
import pg from "pg";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { bearer } from "better-auth/plugins";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT);
const dbSpec = process.env.BENCH_DB ?? "";
const secret = process.env.BENCH_SECRET ?? "";
if (!dbSpec || secret.length < 32) throw new Error("BENCH_DB and BENCH_SECRET (>= 32 chars) are required");

function openDatabase() {
  if (dbSpec.startsWith("postgres://")) return new pg.Pool({ connectionString: dbSpec });
  const db = new Database(dbSpec);
  db.pragma("journal_mode = WAL");
  return db;
}

const options = {
  baseURL: `http://${host}:${port}`,
  secret,
  database: openDatabase(),
  emailAndPassword: { enabled: true, autoSignIn: false },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [bearer()],
};

const { runMigrations } = await getMigrations(options);
await runMigrations();

const auth = betterAuth(options);
const server = createServer(toNodeHandler(auth));
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`better-auth listening on ${host}:${port} (${dbSpec.startsWith("postgres") ? "postgres" : "sqlite"})`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
