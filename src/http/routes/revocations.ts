import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock, RevocationBus } from '../../domain/ports.js';
import { RevocationLog, type LoggedRevocation } from '../../events/revocation-log.js';
import { sendError } from '../error-handler.js';
import { EventStream } from '../event-stream.js';
import { errorReplies } from '../schemas.js';

/**
 * `GET /v1/revocations`: the revocation feed that app-side verifiers
 * subscribe to, so that they reject a revoked session's access tokens at once
 * without asking the service on every request.
 *
 * Protocol (server-sent events):
 *   event `hello`      {replay: 'complete'|'partial', now, accessTokenTtlMs, heartbeatMs}
 *   event `revocation` {kind:'session', sessionId, userId, at} | {kind:'user', userId, exceptSessionId, at}
 *   event `heartbeat`  {now}
 * Revocations and heartbeats carry an `id`, the instance's cursor; a verifier
 * that reconnects sends the last one as `Last-Event-ID` and is replayed what
 * it missed. `partial` means this instance cannot vouch for that range (it
 * started since, or dropped entries): tokens issued before `now` then need
 * one check with the service each.
 */
export interface RevocationFeedDeps {
  readonly revocations: RevocationBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly feedToken: string | null;
  readonly heartbeatMs: number;
  readonly accessTokenTtlMs: number;
}

// A verifier accepts tokens up to this long past their expiry (its clock tolerance, at most 60 s).
const MAX_CLOCK_TOLERANCE_MS = 60_000;
// Revocations travel between instances and clocks differ a little: replay from a bit earlier.
const REPLAY_MARGIN_MS = 5_000;
const MAX_BUFFERED_BYTES = 1024 * 1024;
const MAX_REPLAY_ENTRIES = 5_000;
const MAX_LOG_ENTRIES = 100_000;
const MAX_SUBSCRIBERS = 512;
const RECONNECT_MS = 1_000;
const CURSOR = /^\d{1,16}$/;

export function registerRevocationRoutes(app: FastifyInstance, deps: RevocationFeedDeps): void {
  const retentionMs = deps.accessTokenTtlMs + MAX_CLOCK_TOLERANCE_MS + REPLAY_MARGIN_MS + 60_000;
  const log = new RevocationLog(deps.revocations, deps.clock, { retentionMs, maxEntries: MAX_LOG_ENTRIES });
  const streams = new Set<EventStream>();
  const expectedDigest = deps.feedToken === null ? null : digest(deps.feedToken);

  // Open streams would hold `close` forever; they end first, and their verifiers reconnect elsewhere.
  app.addHook('preClose', (done) => {
    for (const stream of streams) stream.end('server');
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    log.close();
    done();
  });

  app.get(
    '/v1/revocations',
    {
      config: { rateBucket: 'unlimited' },
      schema: {
        tags: ['sessions'],
        summary: 'Server-sent events: every session revocation, for app-side access-token verifiers.',
        security: [{ feedToken: [] }],
        response: errorReplies(401, 503),
      },
    },
    async (request, reply) => {
      if (!hasFeedToken(request, expectedDigest)) {
        return sendError(reply, { code: 'invalid_feed_token', message: 'the revocation feed token is missing or wrong' });
      }
      if (streams.size >= MAX_SUBSCRIBERS) {
        return sendError(reply, { code: 'overloaded', message: 'too many revocation feed subscribers', retryAfter: 5 });
      }
      openFeed(request, reply, { ...deps, log, streams });
    },
  );
}

interface OpenFeedDeps extends RevocationFeedDeps {
  readonly log: RevocationLog;
  readonly streams: Set<EventStream>;
}

function openFeed(request: FastifyRequest, reply: FastifyReply, deps: OpenFeedDeps): void {
  reply.hijack();
  const started = Date.now();
  let heartbeat: NodeJS.Timeout | undefined;
  let stopListening: (() => void) | undefined;
  const stream = new EventStream(reply.raw, MAX_BUFFERED_BYTES, (reason) => {
    stopListening?.();
    clearInterval(heartbeat);
    deps.streams.delete(stream);
    deps.logger.info({ reqId: request.id, route: '/v1/revocations', reason, seconds: Math.round((Date.now() - started) / 1000) }, 'revocation feed closed');
  });
  deps.streams.add(stream);
  stream.open(reply.getHeaders(), RECONNECT_MS);

  // Replay and listen in one synchronous step: no revocation can slip between the two.
  const replay = deps.log.since(replayFrom(request.headers['last-event-id'], deps));
  const complete = replay.complete && replay.entries.length <= MAX_REPLAY_ENTRIES;
  stream.send({ event: 'hello', data: hello(complete, deps) });
  if (complete) replay.entries.forEach((entry) => sendRevocation(stream, entry));
  if (stream.isClosed) return;

  stopListening = deps.log.listen((entry) => sendRevocation(stream, entry));
  heartbeat = setInterval(() => sendHeartbeat(stream, deps.log), deps.heartbeatMs);
  sendHeartbeat(stream, deps.log);
  deps.logger.info({ reqId: request.id, route: '/v1/revocations', replayed: complete ? replay.entries.length : 'partial' }, 'revocation feed opened');
}

/** The cursor to replay from: a little before the last one seen, never before any live token. */
function replayFrom(lastEventId: string | string[] | undefined, deps: OpenFeedDeps): number {
  const oldestLiveToken = deps.clock.now() - deps.accessTokenTtlMs - MAX_CLOCK_TOLERANCE_MS;
  if (typeof lastEventId !== 'string' || !CURSOR.test(lastEventId)) return oldestLiveToken;
  return Math.max(Number(lastEventId) - REPLAY_MARGIN_MS, oldestLiveToken);
}

function hello(complete: boolean, deps: OpenFeedDeps) {
  return {
    replay: complete ? 'complete' : 'partial',
    now: deps.log.now(),
    accessTokenTtlMs: deps.accessTokenTtlMs,
    heartbeatMs: deps.heartbeatMs,
  };
}

function sendRevocation(stream: EventStream, entry: LoggedRevocation): void {
  stream.send({ event: 'revocation', id: entry.cursor, data: entry.revocation });
}

function sendHeartbeat(stream: EventStream, log: RevocationLog): void {
  const now = log.now();
  stream.send({ event: 'heartbeat', id: now, data: { now } });
}

/** Constant-time: both sides are hashed to one length first, so neither length nor content leaks. */
function hasFeedToken(request: FastifyRequest, expectedDigest: Buffer | null): boolean {
  const presented = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (expectedDigest === null || presented === undefined) return false;
  return timingSafeEqual(digest(presented), expectedDigest);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
