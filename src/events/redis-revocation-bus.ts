import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Revocation, RevocationBus, RevocationListener } from '../domain/ports.js';
import { deliverAll } from './deliver.js';

/**
 * Revocations shared by every instance through Redis pub/sub. The publishing
 * instance runs its own listeners first and awaits them, then publishes and
 * waits (up to `ackTimeoutMs`) until every other subscribed instance has run
 * its listeners and said so: when the revoking request returns, no instance
 * still holds the session. A publish that fails while Redis is away is kept
 * (up to `maxPending`) and sent when it is back, and health changes are
 * announced so caches stop trusting themselves meanwhile.
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

function settleIfComplete(entry: AwaitedAcks): void {
  if (entry.expected !== undefined && entry.received >= entry.expected) entry.done();
}

export class RedisRevocationBus implements RevocationBus {
  private readonly listeners = new Set<RevocationListener>();
  private readonly healthListeners = new Set<(healthy: boolean) => void>();
  private readonly instanceId = randomBytes(8).toString('hex');
  private readonly awaitedAcks = new Map<string, AwaitedAcks>();
  private readonly ackChannel: string;
  private pending: string[] = [];
  private healthy = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly ackTimeoutMs = 100,
    private readonly maxPending = 10_000,
  ) {
    this.ackChannel = `${channel}:ack:${this.instanceId}`;
    subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    subscriber.on('ready', () => void this.subscribeChannel());
    subscriber.on('close', () => this.setHealthy(false));
    publisher.on('ready', () => void this.flushPending());
    if (subscriber.status === 'ready') void this.subscribeChannel();
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  async publish(revocation: Revocation): Promise<void> {
    await deliverAll(this.listeners, revocation, 'local');
    const id = randomBytes(8).toString('hex');
    const message = JSON.stringify({ id, from: this.instanceId, revocation } satisfies Envelope);
    try {
      const acks = this.awaitAcks(id);
      // The count includes this instance, which hears its own message and does not answer it.
      acks.expect((await this.publisher.publish(this.channel, message)) - 1);
      await acks.settled;
    } catch {
      this.keep(message);
    }
  }

  subscribe(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onHealth(listener: (healthy: boolean) => void): void {
    this.healthListeners.add(listener);
    listener(this.healthy);
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
      this.setHealthy(true);
    } catch {
      this.setHealthy(false);
    }
  }

  private receive(channel: string, message: string): void {
    if (channel === this.ackChannel) return this.receiveAck(message);
    if (channel !== this.channel) return;
    const envelope = parseEnvelope(message);
    if (!envelope || envelope.from === this.instanceId) return;
    void this.deliver(envelope);
  }

  private async deliver(envelope: Envelope): Promise<void> {
    await deliverAll(this.listeners, envelope.revocation, 'remote');
    await this.publisher.publish(`${this.channel}:ack:${envelope.from}`, envelope.id).catch(() => undefined);
  }

  private keep(message: string): void {
    this.pending.push(message);
    if (this.pending.length > this.maxPending) this.pending.shift();
  }

  private async flushPending(): Promise<void> {
    const queued = this.pending;
    this.pending = [];
    for (const [index, message] of queued.entries()) {
      try {
        await this.publisher.publish(this.channel, message);
      } catch {
        this.pending.unshift(...queued.slice(index));
        return;
      }
    }
  }

  private setHealthy(healthy: boolean): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    for (const listener of this.healthListeners) listener(healthy);
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
