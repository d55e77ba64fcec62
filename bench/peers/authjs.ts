// Auth.js (@auth/core) with a Credentials provider and JWT sessions, behind a
// small node:http adapter around `Auth(request, config)`. Users live in a
// SQLite table the app owns (Auth.js keeps no users for Credentials); the
// password check is bcrypt cost 10 through @node-rs/bcrypt.
//
// Auth.js has no sign-up: POST /bench/users is this app's own minimal sign-up
// (bcrypt + insert), used to seed users. It is not measured as Auth.js.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { hash, verify } from "@node-rs/bcrypt";
import { Auth, type AuthConfig } from "@auth/core";
import Credentials from "@auth/core/providers/credentials";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT);
const dbPath = process.env.BENCH_DB ?? "";
const secret = process.env.BENCH_SECRET ?? "";
if (!dbPath || secret.length < 32) throw new Error("BENCH_DB and BENCH_SECRET (>= 32 chars) are required");
const origin = `http://${host}:${port}`;

const db = new Database(dbPath);
db.pragma("journal_mode = WAL");
db.exec(`CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, password_hash TEXT NOT NULL)`);
const findUser = db.prepare<[string], { id: string; email: string; name: string | null; password_hash: string }>(
  "SELECT id, email, name, password_hash FROM users WHERE email = ?");
const insertUser = db.prepare("INSERT INTO users (id, email, name, password_hash) VALUES (?, ?, ?, ?)");

const config: AuthConfig = {
  basePath: "/auth",
  secret,
  trustHost: true,
  session: { strategy: "jwt" },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(credentials) {
        const { email, password } = credentials;
        if (typeof email !== "string" || typeof password !== "string") return null;
        const user = findUser.get(email);
        if (!user || !(await verify(password, user.password_hash))) return null;
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
  ],
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Node request -> Web Request -> Auth() -> Web Response -> Node response.
async function handleAuth(req: IncomingMessage, res: ServerResponse) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    body: hasBody ? new Uint8Array(await readBody(req)) : undefined,
  });
  const response = await Auth(request, config);
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => { if (name !== "set-cookie") outHeaders[name] = value; });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) outHeaders["set-cookie"] = cookies;
  res.writeHead(response.status, outHeaders);
  res.end(Buffer.from(await response.arrayBuffer()));
}

async function handleSignUp(req: IncomingMessage, res: ServerResponse) {
  const { email, password, name } = JSON.parse((await readBody(req)).toString("utf8")) as Record<string, string>;
  if (!email || !password) { res.writeHead(400).end(); return; }
  const id = randomUUID();
  insertUser.run(id, email, name ?? null, await hash(password, 10));
  res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ user: { id, email, name } }));
}

const server = createServer((req, res) => {
  const route = req.url?.startsWith("/auth/") ? handleAuth
    : req.method === "POST" && req.url === "/bench/users" ? handleSignUp
    : null;
  if (!route) { res.writeHead(404).end(); return; }
  route(req, res).catch((err: unknown) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`authjs listening on ${host}:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
