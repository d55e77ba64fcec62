import type {
  Clock,
  Revocation,
  RevocationBus,
  RevocationOrigin,
  SessionCache,
  SessionReader,
  SessionView,
} from '../domain/ports.js';
import { SessionL1 } from './session-l1.js';
import type { SessionL2 } from './session-l2.js';

export type CacheTier = 'l1' | 'l2' | 'db';

export interface TieredCacheOptions {
  readonly maxEntries: number;
  /** How long an L1 entry is trusted while revocations arrive. */
  readonly ttlMs: number;
  /** How long it is trusted while they may not (the shared bus is down). */
  readonly degradedTtlMs: number;
  readonly onLookup?: (tier: CacheTier, hit: boolean) => void;
}

/**
 * What a bus that can lose its connection (Redis) tells the cache: when it is
 * down and up again, and a hook to run before it reports itself up again.
 */
export interface BusHealth {
  onHealth(listener: (healthy: boolean) => void): void;
  beforeRecovery(hook: () => Promise<void>): void;
}

/** A revocation reached this instance's memory but not the shared tier. */
export class SharedTierMissedRevocation extends Error {
  constructor() {
    super('the shared session cache did not take a revocation');
    this.name = 'SharedTierMissedRevocation';
  }
}

/** Invalidations are remembered this long, to refuse fills read before them. */
const TOMBSTONE_MS = 30_000;
const MAX_TOMBSTONES = 100_000;

/**
 * Sessions read through L1 (this process), then L2 (Redis, when configured),
 * then the database. Every instance drops what a revocation names as the
 * event arrives; a fill that was read before a revocation it has since heard
 * of is not cached. While the bus is down, L1 entries are trusted only for
 * `degradedTtlMs`, and when it comes back both L1 and L2 start empty, since
 * what was missed meanwhile cannot be known: Redis may come back holding a
 * copy of a session that was revoked while it was away.
 */
export class TieredSessionCache implements SessionCache {
  private readonly l1: SessionL1;
  private readonly sessionTombs = new Map<string, number>();
  private readonly userTombs = new Map<string, number>();
  private healthy = true;

  constructor(
    private readonly source: SessionReader,
    private readonly l2: SessionL2 | undefined,
    private readonly clock: Clock,
    private readonly options: TieredCacheOptions,
  ) {
    this.l1 = new SessionL1(options.maxEntries, options.ttlMs, clock);
  }

  get size(): number {
    return this.l1.size;
  }

  /** False while revocations may be missed (the shared bus is down). */
  get isTrusting(): boolean {
    return this.healthy;
  }

  /** Listens to the bus: revocations invalidate, health changes switch trust. */
  attach(bus: RevocationBus & Partial<BusHealth>): void {
    bus.subscribe((revocation, origin) => this.invalidate(revocation, origin));
    bus.beforeRecovery?.(async () => this.l2?.sweep());
    bus.onHealth?.((healthy) => this.setHealthy(healthy));
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionView | undefined> {
    const cached = this.l1.getByHash(tokenHash, this.trustedAge());
    if (cached) return this.hit('l1', cached);
    this.miss('l1');
    return this.fill(() => this.l2?.getByHash(tokenHash), () => this.source.findSessionByTokenHash(tokenHash));
  }

  async findSessionById(sessionId: string): Promise<SessionView | undefined> {
    const cached = this.l1.getById(sessionId, this.trustedAge());
    if (cached) return this.hit('l1', cached);
    this.miss('l1');
    return this.fill(() => this.l2?.getById(sessionId), () => this.source.findSessionById(sessionId));
  }

  async findFreshByTokenHash(tokenHash: string): Promise<SessionView | undefined> {
    return this.fill(undefined, () => this.source.findSessionByTokenHash(tokenHash));
  }

  async findFreshById(sessionId: string): Promise<SessionView | undefined> {
    return this.fill(undefined, () => this.source.findSessionById(sessionId));
  }

  /** A login's session; not cached if its user was revoked since (a password change that won the race). */
  remember(view: SessionView): void {
    if (!this.revokedSince(view, view.createdAt)) this.l1.set(view);
  }

  touched(sessionId: string, lastSeenAt: number): void {
    const cached = this.l1.getById(sessionId);
    if (cached) this.l1.replace({ ...cached, lastSeenAt });
  }

  /**
   * Drops what the revocation names from L1. The shared L2 is swept once, by
   * the instance that published, before the others hear of it; if Redis does
   * not take the drop, this rejects, and the bus treats Redis as down.
   */
  async invalidate(revocation: Revocation, origin: RevocationOrigin): Promise<void> {
    const now = this.clock.now();
    const l2 = origin === 'local' ? this.l2 : undefined;
    let dropped: Promise<boolean> | undefined;
    if (revocation.kind === 'session') {
      this.tomb(this.sessionTombs, revocation.sessionId, now);
      this.l1.deleteSession(revocation.sessionId);
      dropped = l2?.dropSession(revocation.sessionId);
    } else {
      this.tomb(this.userTombs, revocation.userId, now);
      const except = revocation.kind === 'user' ? revocation.exceptSessionId : null;
      this.l1.deleteUser(revocation.userId, except);
      dropped = l2?.dropUser(revocation.userId, except);
    }
    if (dropped && !(await dropped)) throw new SharedTierMissedRevocation();
  }

  private async fill(
    fromL2: (() => Promise<SessionView | undefined> | undefined) | undefined,
    fromSource: () => Promise<SessionView | undefined>,
  ): Promise<SessionView | undefined> {
    const readAt = this.clock.now();
    const shared = this.healthy && fromL2 ? await fromL2() : undefined;
    if (fromL2 && this.l2) this.options.onLookup?.('l2', shared !== undefined);
    const view = shared ?? (await this.fromSource(fromSource));
    if (view && !this.revokedSince(view, readAt)) {
      this.l1.set(view);
      if (!shared) void this.l2?.fill(view, readAt);
    }
    return view;
  }

  private async fromSource(read: () => Promise<SessionView | undefined>): Promise<SessionView | undefined> {
    const view = await read();
    this.options.onLookup?.('db', view !== undefined);
    return view;
  }

  private revokedSince(view: SessionView, readAt: number): boolean {
    return (this.sessionTombs.get(view.id) ?? -Infinity) >= readAt || (this.userTombs.get(view.userId) ?? -Infinity) >= readAt;
  }

  private trustedAge(): number {
    return this.healthy ? this.options.ttlMs : this.options.degradedTtlMs;
  }

  private setHealthy(healthy: boolean): void {
    if (healthy && !this.healthy) this.l1.clear();
    this.healthy = healthy;
  }

  private tomb(tombs: Map<string, number>, id: string, now: number): void {
    tombs.set(id, now);
    if (tombs.size > MAX_TOMBSTONES) this.forgetOldTombs(now);
  }

  // Past the cap, old tombstones go; if that is not enough, L1 goes too, which is always safe.
  private forgetOldTombs(now: number): void {
    for (const tombs of [this.sessionTombs, this.userTombs]) {
      for (const [id, at] of tombs) if (now - at > TOMBSTONE_MS) tombs.delete(id);
    }
    if (this.sessionTombs.size + this.userTombs.size > MAX_TOMBSTONES) {
      this.sessionTombs.clear();
      this.userTombs.clear();
      this.l1.clear();
    }
  }

  private hit(tier: CacheTier, view: SessionView): SessionView {
    this.options.onLookup?.(tier, true);
    return view;
  }

  private miss(tier: CacheTier): void {
    this.options.onLookup?.(tier, false);
  }
}
