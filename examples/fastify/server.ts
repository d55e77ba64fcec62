import { buildFastifyExample } from './app.js';

/** `ASTRAL_URL=… ASTRAL_REVOCATION_FEED_TOKEN=… tsx examples/fastify/server.ts` */
const example = await buildFastifyExample({
  astralUrl: process.env.ASTRAL_URL ?? 'http://127.0.0.1:8080',
  feedToken: process.env.ASTRAL_REVOCATION_FEED_TOKEN ?? '',
  cookieSecure: process.env.COOKIE_SECURE !== 'false',
  sessionCacheMs: Number(process.env.SESSION_CACHE_MS ?? 1_000),
});
const address = await example.app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
process.stdout.write(`fastify example on ${address}\n`);
process.once('SIGTERM', () => void example.close());
process.once('SIGINT', () => void example.close());
