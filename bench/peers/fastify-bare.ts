// Ceiling: a bare Fastify route returning `{}`. No auth work at all, so every
// other figure can be read as a fraction of what the HTTP stack alone allows.
import Fastify from "fastify";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT);

const app = Fastify({ logger: false });
app.get("/", async () => ({}));
app.get("/session", async () => ({}));

await app.listen({ host, port });
console.log(`fastify-bare listening on ${host}:${port}`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
