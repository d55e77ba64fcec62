import { buildExpressExample } from './app.js';

/** `ASTRAL_URL=… ASTRAL_REVOCATION_FEED_TOKEN=… tsx examples/express/server.ts` */
const example = buildExpressExample({
  astralUrl: process.env.ASTRAL_URL ?? 'http://127.0.0.1:8080',
  feedToken: process.env.ASTRAL_REVOCATION_FEED_TOKEN ?? '',
  cookieSecure: process.env.COOKIE_SECURE !== 'false',
  sessionCacheMs: Number(process.env.SESSION_CACHE_MS ?? 1_000),
});
const server = await example.listen(Number(process.env.PORT ?? 3001));
process.stdout.write(`express example on port ${(server.address() as { port: number }).port}\n`);
const stop = () => {
  example.close();
  server.close();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
