// The least an opaque-session check can do: SHA-256 of the presented token,
// looked up in an in-memory Map, expiry compared. It is the practical floor
// for "validate a session" on Fastify, without a database round trip.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import Fastify from "fastify";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT);
const COOKIE = "sid";
const TTL_MS = 7 * 24 * 3600 * 1000;

interface Session { id: string; userId: string; email: string; expiresAt: number }
const sessions = new Map<string, Session>();

const sha256 = (token: string) => createHash("sha256").update(token).digest("base64url");

function tokenFrom(headers: { authorization?: string | undefined; cookie?: string | undefined }): string | undefined {
  const auth = headers.authorization;
  if (auth && auth.slice(0, 7).toLowerCase() === "bearer ") return auth.slice(7).trim();
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const app = Fastify({ logger: false });

// Issues a session for a user id without a password: this peer only measures
// the validation path, seeding is not part of what it stands for.
app.post<{ Body: { userId?: string; email?: string } }>("/sessions", async (req, reply) => {
  const token = randomBytes(32).toString("base64url");
  const session: Session = {
    id: randomUUID(),
    userId: req.body?.userId ?? randomUUID(),
    email: req.body?.email ?? "",
    expiresAt: Date.now() + TTL_MS,
  };
  sessions.set(sha256(token), session);
  return reply.code(201).send({ token, cookie: `${COOKIE}=${token}` });
});

app.get("/session", async (req, reply) => {
  const token = tokenFrom(req.headers);
  const session = token ? sessions.get(sha256(token)) : undefined;
  if (!session || session.expiresAt <= Date.now()) return reply.code(401).send({ error: "unauthorized" });
  return {
    user: { id: session.userId, email: session.email },
    session: { id: session.id, expiresAt: new Date(session.expiresAt).toISOString() },
  };
});

await app.listen({ host, port });
console.log(`handwritten listening on ${host}:${port}`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
