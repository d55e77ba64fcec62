import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Revocation, RevocationBus, RevocationListener } from '../domain/ports.js';

/**
 * Revocations shared by every instance through Redis pub/sub. The publishing
 * instance runs its own listeners first and awaits them, then publishes; the
 * others run theirs as the message arrives. A publish that fails while Redis
 * is away is kept (up to `maxPending`) and sent when it is back, and health
 * changes are announced so caches stop trusting themselves meanwhile.
 */
interface Envelope {
  readonly from: string;
  readonly revocation: Revocation;
}

export class RedisRevocationBus implements RevocationBus {
  private readonly listeners = new Set<RevocationListener>();
  private readonly healthListeners = new Set<(healthy: boolean) => void>();
  private readonly instanceId = randomBytes(8).toString('hex');
  private pending: string[] = [];
  private healthy = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly maxPending = 10_000,
  ) {
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
    await Promise.all([...this.listeners].map((listener) => listener(revocation, 'local')));
    const message = JSON.stringify({ from: this.instanceId, revocation } satisfies Envelope);
    try {
      await this.publisher.publish(this.channel, message);
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

  private async subscribeChannel(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
      this.setHealthy(true);
    } catch {
      this.setHealthy(false);
    }
  }

  private receive(channel: string, message: string): void {
    if (channel !== this.channel) return;
    const envelope = parseEnvelope(message);
    if (!envelope || envelope.from === this.instanceId) return;
    for (const listener of this.listeners) void listener(envelope.revocation, 'remote');
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
    return typeof envelope.from === 'string' && typeof envelope.revocation?.kind === 'string' ? envelope : undefined;
  } catch {
    return undefined;
  }
}
