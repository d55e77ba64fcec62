import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Revocation, RevocationBus, RevocationListener, RevocationOrigin } from '../domain/ports.js';

/**
 * Revocations shared by every instance through Redis pub/sub. The publishing
 * instance runs its own listeners first and awaits them, then publishes and
 * waits (up to `ackTimeoutMs`) until every other subscribed instance has run
 * its listeners and said so: when the revoking request returns, no instance
 * still holds the session.
 *
 * Redis may go away by closing its connections, or by not answering on them
 * (a stall, a partition): a heartbeat notices the second. Either way, and
 * whenever a revocation fails to go out whole, the bus reports itself down so
 * caches stop trusting themselves, and keeps the revocation (up to
 * `maxPending`). When Redis answers again it runs the recovery hooks (the
 * cache empties the shared tier), sends what it kept, and only then reports
 * itself up again.
 */
interface Envelope {
  readonly id: string;
  readonly from: string;
  readonly revocation: Revocation;
}

interface AwaitedAcks {
  received: number;
  expected: number | undefined;
  done: () => void;
}

export interface RedisBusOptions {
  readonly ackTimeoutMs?: number;
  /** How often Redis is asked whether it still answers. */
  readonly heartbeatMs?: number;
  /** How long an answer may take before Redis counts as away. */
  readonly heartbeatTimeoutMs?: number;
  readonly maxPending?: number;
}

function settleIfComplete(entry: AwaitedAcks): void {
  if (entry.expected !== undefined && entry.received >= entry.expected) entry.done();
}

export class RedisRevocationBus implements RevocationBus {
  private readonly listeners = new Set<RevocationListener>();
  private readonly healthListeners = new Set<(healthy: boolean) => void>();
  private readonly recoveryHooks: Array<() => Promise<void>> = [];
  private readonly instanceId = randomBytes(8).toString('hex');
  private readonly awaitedAcks = new Map<string, AwaitedAcks>();
  private readonly ackChannel: string;
  private readonly ackTimeoutMs: number;
  private readonly maxPending: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly heartbeatTimeoutMs: number;
  private pending: string[] = [];
  private healthy = false;
  private subscribed = false;
  /** Set once Redis has answered: recovering from an outage differs from a first start. */
  private everHealthy = false;
  private recovering: Promise<void> | undefined;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    options: RedisBusOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 100;
    this.maxPending = options.maxPending ?? 10_000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 1_000;
    this.ackChannel = `${channel}:ack:${this.instanceId}`;
    subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    subscriber.on('ready', () => void this.subscribeChannel());
    subscriber.on('close', () => {
      this.subscribed = false;
      this.setHealthy(false);
    });
    publisher.on('ready', () => void this.recover());
    if (subscriber.status === 'ready') void this.subscribeChannel();
    this.heartbeat = setInterval(() => void this.checkHealth(), options.heartbeatMs ?? 1_000);
    this.heartbeat.unref();
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  async publish(revocation: Revocation): Promise<void> {
    const id = randomBytes(8).toString('hex');
    const message = JSON.stringify({ id, from: this.instanceId, revocation } satisfies Envelope);
    const applied = await this.runListeners(revocation, 'local');
    const sent = await this.send(id, message);
    if (!sent) this.keep(message);
    if (!applied || !sent) this.setHealthy(false);
  }

  subscribe(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onHealth(listener: (healthy: boolean) => void): void {
    this.healthListeners.add(listener);
    listener(this.healthy);
  }

  /** Runs after an outage, before the bus reports itself up; a hook that fails keeps it down. */
  beforeRecovery(hook: () => Promise<void>): void {
    this.recoveryHooks.push(hook);
  }

  close(): void {
    clearInterval(this.heartbeat);
  }

  /** False if a listener failed (the cache could not drop the session from Redis). */
  private async runListeners(revocation: Revocation, origin: RevocationOrigin): Promise<boolean> {
    const results = await Promise.allSettled([...this.listeners].map(async (listener) => listener(revocation, origin)));
    return results.every((result) => result.status === 'fulfilled');
  }

  /** Publishes and waits for the others' acknowledgements; false if Redis did not take it. */
  private async send(id: string, message: string): Promise<boolean> {
    const acks = this.awaitAcks(id);
    try {
      // The count includes this instance, which hears its own message and does not answer it.
      acks.expect((await this.publisher.publish(this.channel, message)) - 1);
    } catch {
      acks.expect(0);
      return false;
    }
    await acks.settled;
    return true;
  }

  /** Acks may overtake the publish reply that says how many to expect, so both are counted. */
  private awaitAcks(id: string): { expect(count: number): void; settled: Promise<void> } {
    const entry: AwaitedAcks = { received: 0, expected: undefined, done: () => undefined };
    const settled = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.ackTimeoutMs);
      entry.done = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => this.awaitedAcks.delete(id));
    this.awaitedAcks.set(id, entry);
    const expect = (count: number) => {
      entry.expected = count;
      settleIfComplete(entry);
    };
    return { expect, settled };
  }

  private receiveAck(id: string): void {
    const entry = this.awaitedAcks.get(id);
    if (!entry) return;
    entry.received++;
    settleIfComplete(entry);
  }

  private async subscribeChannel(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel, this.ackChannel);
      this.subscribed = true;
      await this.recover();
    } catch {
      this.setHealthy(false);
    }
  }

  /**
   * A stalled Redis keeps its connections open; only a question it does not
   * answer shows it. The question goes on the subscriber connection, which
   * carries nothing else: on the commands connection it would wait behind
   * every cache write queued there, and a burst of them (a cold cache filling
   * under load) would pass for an outage and empty the caches.
   */
  private async checkHealth(): Promise<void> {
    if (!this.healthy) return this.recover();
    if (!(await answersWithin(this.subscriber, this.heartbeatTimeoutMs))) this.setHealthy(false);
  }

  /** Concurrent triggers (reconnects, heartbeats) share one attempt. */
  private recover(): Promise<void> {
    if (this.healthy || !this.subscribed) return Promise.resolve();
    this.recovering ??= this.tryRecovery()
      .catch(() => this.setHealthy(false))
      .finally(() => {
        this.recovering = undefined;
      });
    return this.recovering;
  }

  private async tryRecovery(): Promise<void> {
    await this.publisher.ping();
    if (this.everHealthy) {
      for (const hook of this.recoveryHooks) await hook();
    }
    await this.flushPending();
    this.everHealthy = true;
    this.setHealthy(true);
  }

  private receive(channel: string, message: string): void {
    if (channel === this.ackChannel) return this.receiveAck(message);
    if (channel !== this.channel) return;
    const envelope = parseEnvelope(message);
    if (!envelope || envelope.from === this.instanceId) return;
    void this.deliver(envelope);
  }

  private async deliver(envelope: Envelope): Promise<void> {
    await this.runListeners(envelope.revocation, 'remote');
    await this.publisher.publish(`${this.channel}:ack:${envelope.from}`, envelope.id).catch(() => undefined);
  }

  private keep(message: string): void {
    this.pending.push(message);
    if (this.pending.length > this.maxPending) this.pending.shift();
  }

  /** Rejects, keeping what is left, if Redis stops answering halfway. */
  private async flushPending(): Promise<void> {
    while (this.pending.length > 0) {
      await this.publisher.publish(this.channel, this.pending[0]!);
      this.pending.shift();
    }
  }

  private setHealthy(healthy: boolean): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    for (const listener of this.healthListeners) listener(healthy);
  }
}

/** True if Redis answers a PING on this connection within `ms` (PING is allowed while subscribed). */
async function answersWithin(redis: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  const answered = redis.ping().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function parseEnvelope(message: string): Envelope | undefined {
  try {
    const envelope = JSON.parse(message) as Envelope;
    const valid = typeof envelope.id === 'string' && typeof envelope.from === 'string' && typeof envelope.revocation?.kind === 'string';
    return valid ? envelope : undefined;
  } catch {
    return undefined;
  }
}
