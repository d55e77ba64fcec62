import type { Clock, SessionView } from '../domain/ports.js';
import type { PublicUser } from '../domain/users.js';

/** Views handed out lately stay whole, so a session checked again gets the same object (see sessionBody). */
const RECENT_VIEWS = 50_000;
/** Distinct user agents kept as one shared string each; bounded, so made-up ones cannot grow it. */
const MAX_SHARED_AGENTS = 10_000;
const FIRST_CAPACITY = 1_024;
const NONE = -1;

// Per session, in `times`: when it was made, ends, was last seen, and was cached.
const CREATED = 0;
const EXPIRES = 1;
const LAST_SEEN = 2;
const CACHED = 3;
const TIMES = 4;
// Per user record, in `userTimes`.
const USER_CREATED = 0;
const USER_UPDATED = 1;
const USER_VERIFIED = 2;
const USER_TIMES = 3;
// Per user record, in `userFlags`: which text fields are null, whether the text is JSON (a field held the separator).
const NAME_NULL = 1;
const IMAGE_NULL = 2;
const TEAM_NULL = 4;
const DISABLED = 8;
const AS_JSON = 16;
const SEPARATOR = '\u0000';

/**
 * The in-process tier: sessions by token hash, with indexes by session id and
 * by user, an LRU bound and a TTL. Memory is what matters here (a million
 * sessions must fit in well under a gigabyte of resident memory), so a cached
 * session is not kept as the view object it came as, with its nested user and
 * a dozen small strings and boxed numbers, but in columns: its token hash, id
 * and address as strings, its times in a Float64Array, its links in Int32Arrays,
 * and its user as a record shared by the user's sessions while their copies
 * are equal (one text of the user's fields, times in a Float64Array). Fewer
 * and larger objects also leave the garbage collector less to fragment.
 *
 * A view is rebuilt from the columns when it is read; the last RECENT_VIEWS
 * views handed out or cached are kept whole, so a session read again soon is
 * the same object (answers memoised per view stay useful) and costs no rebuild.
 */
export class SessionL1 {
  private readonly ttl: number;
  private readonly recentMax: number;
  private byHash = new Map<string, number>();
  private byId = new Map<string, number>();
  /** A user's cached sessions: one slot, or a list when there are several. */
  private byUser = new Map<string, number | number[]>();
  private recent = new Map<number, SessionView>();
  private agents = new Map<string, string>();

  // Sessions, by slot.
  private capacity = 0;
  private used = 0;
  private free: number[] = [];
  private hashes: (string | undefined)[] = [];
  private ids: (string | undefined)[] = [];
  private ips: (string | null)[] = [];
  private userAgents: (string | null)[] = [];
  private times = new Float64Array(0);
  private owners = new Int32Array(0);
  private stepUps = new Uint8Array(0);
  /** LRU list: `newer` points towards `newest`, `older` towards `oldest`. */
  private newer = new Int32Array(0);
  private older = new Int32Array(0);
  private newest = NONE;
  private oldest = NONE;
  private count = 0;

  // User records, by slot; a record lives while a session refers to it.
  private userCapacity = 0;
  private usersUsed = 0;
  private userFree: number[] = [];
  private userIds: (string | undefined)[] = [];
  private userTexts: (string | undefined)[] = [];
  private userTimes = new Float64Array(0);
  private userFlags = new Uint8Array(0);
  private userRefs = new Int32Array(0);

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.ttl = Math.max(ttlMs, 1);
    this.recentMax = Math.min(maxEntries, RECENT_VIEWS);
  }

  get size(): number {
    return this.count;
  }

  /** The view if it was cached less than `maxAgeMs` ago (and within the TTL). */
  getByHash(tokenHash: string, maxAgeMs = this.ttlMs): SessionView | undefined {
    const slot = this.byHash.get(tokenHash);
    return slot === undefined ? undefined : this.read(slot, maxAgeMs);
  }

  getById(sessionId: string, maxAgeMs = this.ttlMs): SessionView | undefined {
    const slot = this.byId.get(sessionId);
    return slot === undefined ? undefined : this.read(slot, maxAgeMs);
  }

  set(view: SessionView): void {
    const sameHash = this.byHash.get(view.tokenHash);
    if (sameHash !== undefined) this.remove(sameHash);
    const sameId = this.byId.get(view.id);
    if (sameId !== undefined) this.remove(sameId);
    if (this.count >= this.maxEntries && this.oldest !== NONE) this.remove(this.oldest);

    const slot = this.takeSlot();
    this.hashes[slot] = view.tokenHash;
    this.ids[slot] = view.id;
    this.byHash.set(view.tokenHash, slot);
    this.byId.set(view.id, slot);
    this.writeSession(slot, view);
    this.times[slot * TIMES + CACHED] = this.clock.now();
    this.owners[slot] = this.userRecordFor(view);
    this.indexUser(slot);
    this.linkNewest(slot);
    this.count++;
    this.remember(slot, view);
  }

  /** Replaces a cached view (a touched one) without restarting its age. */
  replace(view: SessionView): void {
    const slot = this.byHash.get(view.tokenHash);
    if (slot === undefined || this.ids[slot] !== view.id || this.isStale(slot)) return;
    this.writeSession(slot, view);
    const owner = this.owners[slot]!;
    if (!this.userMatches(owner, view)) {
      // A session does not change hands; if a view says otherwise, it is indexed under the user it names.
      const sameUser = this.userIds[owner] === view.userId;
      if (!sameUser) this.unindexUser(this.userIds[owner]!, slot);
      const next = this.userRecordFor(view);
      this.release(owner);
      this.owners[slot] = next;
      if (!sameUser) this.indexUser(slot);
    }
    this.toNewest(slot);
    this.remember(slot, view);
  }

  deleteSession(sessionId: string): void {
    const slot = this.byId.get(sessionId);
    if (slot !== undefined) this.remove(slot);
  }

  deleteUser(userId: string, exceptSessionId: string | null = null): void {
    const indexed = this.byUser.get(userId);
    const slots = typeof indexed === 'number' ? [indexed] : [...(indexed ?? [])];
    for (const slot of slots) {
      if (this.ids[slot] !== exceptSessionId) this.remove(slot);
    }
  }

  /** Forgets every session, and gives back the memory the columns took. */
  clear(): void {
    this.byHash = new Map();
    this.byId = new Map();
    this.byUser = new Map();
    this.recent = new Map();
    this.capacity = this.used = this.count = 0;
    this.free = [];
    this.hashes = [];
    this.ids = [];
    this.ips = [];
    this.userAgents = [];
    this.times = new Float64Array(0);
    this.owners = new Int32Array(0);
    this.stepUps = new Uint8Array(0);
    this.newer = new Int32Array(0);
    this.older = new Int32Array(0);
    this.newest = this.oldest = NONE;
    this.userCapacity = this.usersUsed = 0;
    this.userFree = [];
    this.userIds = [];
    this.userTexts = [];
    this.userTimes = new Float64Array(0);
    this.userFlags = new Uint8Array(0);
    this.userRefs = new Int32Array(0);
  }

  private read(slot: number, maxAgeMs: number): SessionView | undefined {
    if (this.isStale(slot)) {
      this.remove(slot);
      return undefined;
    }
    this.toNewest(slot);
    if (maxAgeMs < this.ttlMs && this.clock.now() - this.times[slot * TIMES + CACHED]! > maxAgeMs) return undefined;
    const known = this.recent.get(slot);
    if (known !== undefined) return known;
    const view = this.rebuild(slot);
    this.remember(slot, view);
    return view;
  }

  private isStale(slot: number): boolean {
    return this.clock.now() - this.times[slot * TIMES + CACHED]! > this.ttl;
  }

  private remember(slot: number, view: SessionView): void {
    this.recent.delete(slot);
    this.recent.set(slot, view);
    if (this.recent.size > this.recentMax) this.recent.delete(this.recent.keys().next().value!);
  }

  private rebuild(slot: number): SessionView {
    const at = slot * TIMES;
    const owner = this.owners[slot]!;
    const userId = this.userIds[owner]!;
    return {
      id: this.ids[slot]!,
      tokenHash: this.hashes[slot]!,
      userId,
      createdAt: this.times[at + CREATED]!,
      expiresAt: this.times[at + EXPIRES]!,
      lastSeenAt: this.times[at + LAST_SEEN]!,
      ip: this.ips[slot] ?? null,
      userAgent: this.userAgents[slot] ?? null,
      stepUpRequired: this.stepUps[slot] === 1,
      user: this.rebuildUser(owner, userId),
      userDisabled: (this.userFlags[owner]! & DISABLED) !== 0,
    };
  }

  private rebuildUser(owner: number, id: string): PublicUser {
    const flags = this.userFlags[owner]!;
    const text = this.userTexts[owner]!;
    const [email, name, image, role, teamName] = (flags & AS_JSON ? JSON.parse(text) : text.split(SEPARATOR)) as string[];
    const at = owner * USER_TIMES;
    const verified = this.userTimes[at + USER_VERIFIED]!;
    return {
      id,
      email: email!,
      name: flags & NAME_NULL ? null : name!,
      image: flags & IMAGE_NULL ? null : image!,
      role: role!,
      teamName: flags & TEAM_NULL ? null : teamName!,
      emailVerifiedAt: Number.isNaN(verified) ? null : verified,
      createdAt: this.userTimes[at + USER_CREATED]!,
      updatedAt: this.userTimes[at + USER_UPDATED]!,
    };
  }

  private writeSession(slot: number, view: SessionView): void {
    const at = slot * TIMES;
    this.times[at + CREATED] = view.createdAt;
    this.times[at + EXPIRES] = view.expiresAt;
    this.times[at + LAST_SEEN] = view.lastSeenAt;
    this.ips[slot] = view.ip;
    this.userAgents[slot] = this.sharedAgent(view.userAgent);
    this.stepUps[slot] = view.stepUpRequired ? 1 : 0;
  }

  private sharedAgent(userAgent: string | null): string | null {
    if (userAgent === null) return null;
    const known = this.agents.get(userAgent);
    if (known !== undefined) return known;
    if (this.agents.size < MAX_SHARED_AGENTS) this.agents.set(userAgent, userAgent);
    return userAgent;
  }

  /** The record of the view's user: the one its other cached sessions share if it is equal, or a new one. */
  private userRecordFor(view: SessionView): number {
    const indexed = this.byUser.get(view.userId);
    const sibling = indexed === undefined ? undefined : typeof indexed === 'number' ? indexed : indexed[indexed.length - 1];
    if (sibling !== undefined) {
      const owner = this.owners[sibling]!;
      if (this.userMatches(owner, view)) {
        this.userRefs[owner]!++;
        return owner;
      }
    }
    const owner = this.takeUserSlot();
    const { text, flags } = packUser(view.user, view.userDisabled);
    this.userIds[owner] = sibling === undefined ? view.userId : this.userIds[this.owners[sibling]!]!;
    this.userTexts[owner] = text;
    this.userFlags[owner] = flags;
    this.writeUserTimes(owner, view.user);
    this.userRefs[owner] = 1;
    return owner;
  }

  private userMatches(owner: number, view: SessionView): boolean {
    const { user } = view;
    const at = owner * USER_TIMES;
    const verified = user.emailVerifiedAt ?? Number.NaN;
    const { text, flags } = packUser(user, view.userDisabled);
    return (
      this.userIds[owner] === view.userId &&
      this.userTexts[owner] === text &&
      this.userFlags[owner] === flags &&
      this.userTimes[at + USER_CREATED] === user.createdAt &&
      this.userTimes[at + USER_UPDATED] === user.updatedAt &&
      Object.is(this.userTimes[at + USER_VERIFIED], verified)
    );
  }

  private writeUserTimes(owner: number, user: PublicUser): void {
    const at = owner * USER_TIMES;
    this.userTimes[at + USER_CREATED] = user.createdAt;
    this.userTimes[at + USER_UPDATED] = user.updatedAt;
    this.userTimes[at + USER_VERIFIED] = user.emailVerifiedAt ?? Number.NaN;
  }

  private release(owner: number): void {
    if (--this.userRefs[owner]! > 0) return;
    this.userIds[owner] = undefined;
    this.userTexts[owner] = undefined;
    this.userFree.push(owner);
  }

  private indexUser(slot: number): void {
    const key = this.userIds[this.owners[slot]!]!;
    const indexed = this.byUser.get(key);
    if (indexed === undefined) this.byUser.set(key, slot);
    else if (typeof indexed === 'number') this.byUser.set(key, [indexed, slot]);
    else indexed.push(slot);
  }

  private unindexUser(userId: string, slot: number): void {
    const indexed = this.byUser.get(userId);
    if (indexed === slot) this.byUser.delete(userId);
    else if (Array.isArray(indexed)) {
      const rest = indexed.filter((other) => other !== slot);
      if (rest.length === 1) this.byUser.set(userId, rest[0]!);
      else this.byUser.set(userId, rest);
    }
  }

  /** Drops a session from every index and gives its slot back. */
  private remove(slot: number): void {
    const owner = this.owners[slot]!;
    this.byHash.delete(this.hashes[slot]!);
    this.byId.delete(this.ids[slot]!);
    this.unindexUser(this.userIds[owner]!, slot);
    this.release(owner);
    this.recent.delete(slot);
    this.unlink(slot);
    this.hashes[slot] = undefined;
    this.ids[slot] = undefined;
    this.ips[slot] = null;
    this.userAgents[slot] = null;
    this.free.push(slot);
    this.count--;
  }

  private takeSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) this.growSessions();
    return this.used++;
  }

  private takeUserSlot(): number {
    const reused = this.userFree.pop();
    if (reused !== undefined) return reused;
    if (this.usersUsed === this.userCapacity) this.growUsers();
    return this.usersUsed++;
  }

  // Columns double as they fill, up to the bound: a small cache stays small.
  private growSessions(): void {
    const capacity = Math.min(this.maxEntries, Math.max(FIRST_CAPACITY, this.capacity * 2));
    this.times = grown(this.times, capacity * TIMES);
    this.owners = grown(this.owners, capacity);
    this.stepUps = grown(this.stepUps, capacity);
    this.newer = grown(this.newer, capacity);
    this.older = grown(this.older, capacity);
    this.capacity = capacity;
  }

  private growUsers(): void {
    const capacity = Math.min(this.maxEntries, Math.max(FIRST_CAPACITY, this.userCapacity * 2));
    this.userTimes = grown(this.userTimes, capacity * USER_TIMES);
    this.userFlags = grown(this.userFlags, capacity);
    this.userRefs = grown(this.userRefs, capacity);
    this.userCapacity = capacity;
  }

  private linkNewest(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest !== NONE) this.newer[this.newest] = slot;
    this.newest = slot;
    if (this.oldest === NONE) this.oldest = slot;
  }

  private unlink(slot: number): void {
    const newer = this.newer[slot]!;
    const older = this.older[slot]!;
    if (newer === NONE) this.newest = older;
    else this.older[newer] = older;
    if (older === NONE) this.oldest = newer;
    else this.newer[older] = newer;
  }

  private toNewest(slot: number): void {
    if (this.newest === slot) return;
    this.unlink(slot);
    this.linkNewest(slot);
  }
}

/** The user's text fields as one string (JSON if one of them holds the separator), and what the text cannot say. */
function packUser(user: PublicUser, disabled: boolean): { text: string; flags: number } {
  const fields = [user.email, user.name ?? '', user.image ?? '', user.role, user.teamName ?? ''];
  let flags = (user.name === null ? NAME_NULL : 0) | (user.image === null ? IMAGE_NULL : 0) | (user.teamName === null ? TEAM_NULL : 0);
  if (disabled) flags |= DISABLED;
  if (fields.some((field) => field.includes(SEPARATOR))) return { text: JSON.stringify(fields), flags: flags | AS_JSON };
  return { text: fields.join(SEPARATOR), flags };
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(column: T, length: number): T {
  const next = new (column.constructor as new (length: number) => T)(length);
  next.set(column);
  return next;
}
