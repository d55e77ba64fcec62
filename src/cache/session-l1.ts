import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock, SessionView } from '../domain/ports.js';
import type { PublicUser } from '../domain/users.js';

/** Views handed out lately stay whole, so a session checked again gets the same object (see sessionBody). */
const RECENT_VIEWS = 50_000;
/** Distinct user agents kept as one shared string each; bounded, so made-up ones cannot grow it. */
const MAX_SHARED_AGENTS = 10_000;
const FIRST_CAPACITY = 1_024;
/** Keys longer than this are not cached: their lengths are kept in 16 bits. */
const MAX_KEY_LENGTH = 0xffff;
const NONE = -1;

// Per session, in `times`: when it was made, ends, was last seen, and was cached.
const CREATED = 0;
const EXPIRES = 1;
const LAST_SEEN = 2;
const CACHED = 3;
const TIMES = 4;
// Per session, in `flags`.
const STEP_UP = 1;
const NO_IP = 2;
// Per user record, in `userTimes`.
const USER_CREATED = 0;
const USER_UPDATED = 1;
const USER_VERIFIED = 2;
const USER_TIMES = 3;
// Per user record, in `userFlags`: which fields are null, whether the fields are JSON (one held the separator).
const NAME_NULL = 1;
const IMAGE_NULL = 2;
const TEAM_NULL = 4;
const DISABLED = 8;
const AS_JSON = 16;
const SEPARATOR = '\u0000';

/**
 * The in-process tier: sessions by token hash, with indexes by session id and
 * by user, an LRU bound and a TTL. Memory is what matters here: a million
 * sessions must fit in well under a gigabyte of resident memory, and a view
 * object with its nested user, a dozen small strings, boxed numbers and three
 * Map entries costs about 800 bytes, and leaves the garbage collector much to
 * fragment. So a session is kept in columns instead:
 *
 * - one string per session: its token hash, id and address, end to end;
 * - one string per user record: the user's id and text fields; a record is
 *   shared by the user's cached sessions while their copies of it are equal;
 * - times, flags, lengths, the LRU list and each user's list of sessions in
 *   typed arrays, one element per slot;
 * - the three indexes (token hash, session id, user id) as open-addressing
 *   tables of slot numbers, 4 bytes a cell, that read each slot's key from its
 *   string, so no key is stored twice.
 *
 * A view is rebuilt from the columns when it is read; the last RECENT_VIEWS
 * views handed out or cached are kept whole, so a session read again soon is
 * the same object (answers memoised per view stay useful) and costs no rebuild.
 */
export class SessionL1 {
  private readonly ttl: number;
  private readonly recent: LRUCache<number, SessionView>;
  private readonly agents = new Map<string, string>();

  // Sessions, by slot.
  private capacity = 0;
  private used = 0;
  private free: number[] = [];
  /** Token hash, then id, then address. */
  private texts: (string | undefined)[] = [];
  private userAgents: (string | null)[] = [];
  /** Length of the token hash, then of the id. */
  private lengths = new Uint16Array(0);
  private times = new Float64Array(0);
  private flags = new Uint8Array(0);
  private owners = new Int32Array(0);
  /** LRU list: `newer` points towards `newest`, `older` towards `oldest`. */
  private newer = new Int32Array(0);
  private older = new Int32Array(0);
  /** The sessions of one user record, as a list. */
  private nextOfUser = new Int32Array(0);
  private previousOfUser = new Int32Array(0);
  private newest = NONE;
  private oldest = NONE;
  private count = 0;

  // User records, by slot; a record lives while a session refers to it.
  private userCapacity = 0;
  private usersUsed = 0;
  private userFree: number[] = [];
  /** The user's id, then its fields. */
  private userTexts: (string | undefined)[] = [];
  private userIdLengths = new Uint16Array(0);
  private userTimes = new Float64Array(0);
  private userFlags = new Uint8Array(0);
  private userRefs = new Int32Array(0);
  private userFirst = new Int32Array(0);

  private byHash: SlotIndex;
  private byId: SlotIndex;
  /** By user id, over user records; one id may have several records, when cached copies of the user differ. */
  private byUser: SlotIndex;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.ttl = Math.max(ttlMs, 1);
    this.recent = new LRUCache<number, SessionView>({ max: Math.min(maxEntries, RECENT_VIEWS) });
    this.byHash = new SlotIndex((slot) => hashText(this.texts[slot]!, 0, this.lengths[slot * 2]!));
    this.byId = new SlotIndex((slot) => {
      const start = this.lengths[slot * 2]!;
      return hashText(this.texts[slot]!, start, start + this.lengths[slot * 2 + 1]!);
    });
    this.byUser = new SlotIndex((owner) => hashText(this.userTexts[owner]!, 0, this.userIdLengths[owner]!));
  }

  get size(): number {
    return this.count;
  }

  /** The view if it was cached less than `maxAgeMs` ago (and within the TTL). */
  getByHash(tokenHash: string, maxAgeMs = this.ttlMs): SessionView | undefined {
    const slot = this.slotOfHash(tokenHash);
    return slot === NONE ? undefined : this.read(slot, maxAgeMs);
  }

  getById(sessionId: string, maxAgeMs = this.ttlMs): SessionView | undefined {
    const slot = this.slotOfId(sessionId);
    return slot === NONE ? undefined : this.read(slot, maxAgeMs);
  }

  set(view: SessionView): void {
    const sameHash = this.slotOfHash(view.tokenHash);
    if (sameHash !== NONE) this.remove(sameHash);
    const sameId = this.slotOfId(view.id);
    if (sameId !== NONE) this.remove(sameId);
    const keys = [view.tokenHash, view.id, view.userId];
    if (keys.some((key) => key.length > MAX_KEY_LENGTH)) return;
    if (this.count >= this.maxEntries && this.oldest !== NONE) this.remove(this.oldest);

    const slot = this.takeSlot();
    const at = slot * 2;
    this.texts[slot] = flat(view.tokenHash, view.id, view.ip ?? '');
    this.lengths[at] = view.tokenHash.length;
    this.lengths[at + 1] = view.id.length;
    this.writeSession(slot, view);
    this.times[slot * TIMES + CACHED] = this.clock.now();
    this.byHash.add(slot, hashText(view.tokenHash, 0, view.tokenHash.length));
    this.byId.add(slot, hashText(view.id, 0, view.id.length));
    this.joinUser(slot, view);
    this.linkNewest(slot);
    this.count++;
    this.remember(slot, view);
  }

  /** Replaces a cached view (a touched one) without restarting its age. */
  replace(view: SessionView): void {
    const slot = this.slotOfHash(view.tokenHash);
    if (slot === NONE || !this.isId(slot, view.id) || this.isStale(slot)) return;
    const text = this.texts[slot]!;
    const ip = view.ip ?? '';
    if (text.length - this.lengths[slot * 2]! - this.lengths[slot * 2 + 1]! !== ip.length || !text.endsWith(ip)) {
      this.texts[slot] = flat(view.tokenHash, view.id, ip);
    }
    this.writeSession(slot, view);
    if (!this.userMatches(this.owners[slot]!, view)) {
      this.leaveUser(slot);
      this.joinUser(slot, view);
    }
    this.toNewest(slot);
    this.remember(slot, view);
  }

  deleteSession(sessionId: string): void {
    const slot = this.slotOfId(sessionId);
    if (slot !== NONE) this.remove(slot);
  }

  deleteUser(userId: string, exceptSessionId: string | null = null): void {
    const doomed: number[] = [];
    this.forEachRecordOf(userId, (owner) => {
      for (let slot = this.userFirst[owner]!; slot !== NONE; slot = this.nextOfUser[slot]!) {
        if (exceptSessionId === null || !this.isId(slot, exceptSessionId)) doomed.push(slot);
      }
    });
    for (const slot of doomed) this.remove(slot);
  }

  /** Forgets every session, and gives back the memory the columns took. */
  clear(): void {
    this.recent.clear();
    this.capacity = this.used = this.count = 0;
    this.free = [];
    this.texts = [];
    this.userAgents = [];
    this.lengths = new Uint16Array(0);
    this.times = new Float64Array(0);
    this.flags = new Uint8Array(0);
    this.owners = new Int32Array(0);
    this.newer = new Int32Array(0);
    this.older = new Int32Array(0);
    this.nextOfUser = new Int32Array(0);
    this.previousOfUser = new Int32Array(0);
    this.newest = this.oldest = NONE;
    this.userCapacity = this.usersUsed = 0;
    this.userFree = [];
    this.userTexts = [];
    this.userIdLengths = new Uint16Array(0);
    this.userTimes = new Float64Array(0);
    this.userFlags = new Uint8Array(0);
    this.userRefs = new Int32Array(0);
    this.userFirst = new Int32Array(0);
    this.byHash.clear();
    this.byId.clear();
    this.byUser.clear();
  }

  private slotOfHash(tokenHash: string): number {
    const table = this.byHash;
    for (let cell = table.home(hashText(tokenHash, 0, tokenHash.length)); ; cell = table.next(cell)) {
      const slot = table.at(cell);
      if (slot === NONE) return NONE;
      if (this.lengths[slot * 2] === tokenHash.length && this.texts[slot]!.slice(0, tokenHash.length) === tokenHash) return slot;
    }
  }

  private slotOfId(sessionId: string): number {
    const table = this.byId;
    for (let cell = table.home(hashText(sessionId, 0, sessionId.length)); ; cell = table.next(cell)) {
      const slot = table.at(cell);
      if (slot === NONE) return NONE;
      if (this.isId(slot, sessionId)) return slot;
    }
  }

  // Comparing a slice is several times faster than startsWith here.
  private isId(slot: number, sessionId: string): boolean {
    if (this.lengths[slot * 2 + 1] !== sessionId.length) return false;
    const start = this.lengths[slot * 2]!;
    return this.texts[slot]!.slice(start, start + sessionId.length) === sessionId;
  }

  private read(slot: number, maxAgeMs: number): SessionView | undefined {
    const age = this.clock.now() - this.times[slot * TIMES + CACHED]!;
    if (age > this.ttl) {
      this.remove(slot);
      return undefined;
    }
    this.toNewest(slot);
    if (maxAgeMs < this.ttlMs && age > maxAgeMs) return undefined;
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
    this.recent.set(slot, view);
  }

  private rebuild(slot: number): SessionView {
    const text = this.texts[slot]!;
    const hashLength = this.lengths[slot * 2]!;
    const idEnd = hashLength + this.lengths[slot * 2 + 1]!;
    const at = slot * TIMES;
    const owner = this.owners[slot]!;
    const user = this.rebuildUser(owner);
    return {
      id: text.slice(hashLength, idEnd),
      tokenHash: text.slice(0, hashLength),
      userId: user.id,
      createdAt: this.times[at + CREATED]!,
      expiresAt: this.times[at + EXPIRES]!,
      lastSeenAt: this.times[at + LAST_SEEN]!,
      ip: this.flags[slot]! & NO_IP ? null : text.slice(idEnd),
      userAgent: this.userAgents[slot] ?? null,
      stepUpRequired: (this.flags[slot]! & STEP_UP) !== 0,
      user,
      userDisabled: (this.userFlags[owner]! & DISABLED) !== 0,
    };
  }

  private rebuildUser(owner: number): PublicUser {
    const flags = this.userFlags[owner]!;
    const text = this.userTexts[owner]!;
    const idLength = this.userIdLengths[owner]!;
    const fields = text.slice(idLength);
    const [email, name, image, role, teamName] = (flags & AS_JSON ? JSON.parse(fields) : fields.split(SEPARATOR)) as string[];
    const at = owner * USER_TIMES;
    const verified = this.userTimes[at + USER_VERIFIED]!;
    return {
      id: text.slice(0, idLength),
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

  /** Everything of a session but its keys and its user. */
  private writeSession(slot: number, view: SessionView): void {
    const at = slot * TIMES;
    this.times[at + CREATED] = view.createdAt;
    this.times[at + EXPIRES] = view.expiresAt;
    this.times[at + LAST_SEEN] = view.lastSeenAt;
    this.userAgents[slot] = this.sharedAgent(view.userAgent);
    this.flags[slot] = (view.stepUpRequired ? STEP_UP : 0) | (view.ip === null ? NO_IP : 0);
  }

  private sharedAgent(userAgent: string | null): string | null {
    if (userAgent === null) return null;
    const known = this.agents.get(userAgent);
    if (known !== undefined) return known;
    if (this.agents.size < MAX_SHARED_AGENTS) this.agents.set(userAgent, userAgent);
    return userAgent;
  }

  /** Attaches the session to a record of its user: one its other sessions share if equal, or a new one. */
  private joinUser(slot: number, view: SessionView): void {
    let owner = NONE;
    this.forEachRecordOf(view.userId, (candidate) => {
      if (owner === NONE && this.userMatches(candidate, view)) owner = candidate;
    });
    if (owner === NONE) owner = this.newUserRecord(view);
    this.owners[slot] = owner;
    this.userRefs[owner]!++;
    const first = this.userFirst[owner]!;
    this.previousOfUser[slot] = NONE;
    this.nextOfUser[slot] = first;
    if (first !== NONE) this.previousOfUser[first] = slot;
    this.userFirst[owner] = slot;
  }

  private leaveUser(slot: number): void {
    const owner = this.owners[slot]!;
    const previous = this.previousOfUser[slot]!;
    const next = this.nextOfUser[slot]!;
    if (previous === NONE) this.userFirst[owner] = next;
    else this.nextOfUser[previous] = next;
    if (next !== NONE) this.previousOfUser[next] = previous;
    if (--this.userRefs[owner]! > 0) return;
    this.byUser.remove(owner, hashText(this.userTexts[owner]!, 0, this.userIdLengths[owner]!));
    this.userTexts[owner] = undefined;
    this.userFree.push(owner);
  }

  private newUserRecord(view: SessionView): number {
    const owner = this.takeUserSlot();
    const { fields, flags } = packUser(view.user, view.userDisabled);
    this.userTexts[owner] = flat(view.userId, fields);
    this.userIdLengths[owner] = view.userId.length;
    this.userFlags[owner] = flags;
    const at = owner * USER_TIMES;
    this.userTimes[at + USER_CREATED] = view.user.createdAt;
    this.userTimes[at + USER_UPDATED] = view.user.updatedAt;
    this.userTimes[at + USER_VERIFIED] = view.user.emailVerifiedAt ?? Number.NaN;
    this.userRefs[owner] = 0;
    this.userFirst[owner] = NONE;
    this.byUser.add(owner, hashText(view.userId, 0, view.userId.length));
    return owner;
  }

  private userMatches(owner: number, view: SessionView): boolean {
    const { user } = view;
    const at = owner * USER_TIMES;
    const idLength = this.userIdLengths[owner]!;
    const text = this.userTexts[owner]!;
    if (idLength !== view.userId.length || !text.startsWith(view.userId)) return false;
    const { fields, flags } = packUser(user, view.userDisabled);
    return (
      this.userFlags[owner] === flags &&
      text.length === idLength + fields.length &&
      text.endsWith(fields) &&
      this.userTimes[at + USER_CREATED] === user.createdAt &&
      this.userTimes[at + USER_UPDATED] === user.updatedAt &&
      Object.is(this.userTimes[at + USER_VERIFIED], user.emailVerifiedAt ?? Number.NaN)
    );
  }

  private forEachRecordOf(userId: string, visit: (owner: number) => void): void {
    const table = this.byUser;
    for (let cell = table.home(hashText(userId, 0, userId.length)); ; cell = table.next(cell)) {
      const owner = table.at(cell);
      if (owner === NONE) return;
      if (this.userIdLengths[owner] === userId.length && this.userTexts[owner]!.slice(0, userId.length) === userId) visit(owner);
    }
  }

  /** Drops a session from every index and gives its slot back. */
  private remove(slot: number): void {
    const text = this.texts[slot]!;
    const hashLength = this.lengths[slot * 2]!;
    this.byHash.remove(slot, hashText(text, 0, hashLength));
    this.byId.remove(slot, hashText(text, hashLength, hashLength + this.lengths[slot * 2 + 1]!));
    this.leaveUser(slot);
    this.recent.delete(slot);
    this.unlink(slot);
    this.texts[slot] = undefined;
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
    this.lengths = grown(this.lengths, capacity * 2);
    this.times = grown(this.times, capacity * TIMES);
    this.flags = grown(this.flags, capacity);
    this.owners = grown(this.owners, capacity);
    this.newer = grown(this.newer, capacity);
    this.older = grown(this.older, capacity);
    this.nextOfUser = grown(this.nextOfUser, capacity);
    this.previousOfUser = grown(this.previousOfUser, capacity);
    this.capacity = capacity;
  }

  private growUsers(): void {
    const capacity = Math.min(this.maxEntries, Math.max(FIRST_CAPACITY, this.userCapacity * 2));
    this.userIdLengths = grown(this.userIdLengths, capacity);
    this.userTimes = grown(this.userTimes, capacity * USER_TIMES);
    this.userFlags = grown(this.userFlags, capacity);
    this.userRefs = grown(this.userRefs, capacity);
    this.userFirst = grown(this.userFirst, capacity);
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

/**
 * A hash table of slot numbers with linear probing: 4 bytes a cell, at most
 * half full. It keeps no keys: whoever probes compares the key with the
 * slot's own, and `hashOf` reads a slot's key to move it when cells shift.
 */
class SlotIndex {
  private cells = new Int32Array(FIRST_CAPACITY);
  private mask = FIRST_CAPACITY - 1;
  private count = 0;

  constructor(private readonly hashOf: (slot: number) => number) {}

  home(hash: number): number {
    return hash & this.mask;
  }

  next(cell: number): number {
    return (cell + 1) & this.mask;
  }

  /** The slot in a cell, or NONE if the cell is empty (which ends a probe). */
  at(cell: number): number {
    return this.cells[cell]! - 1;
  }

  add(slot: number, hash: number): void {
    if ((this.count + 1) * 2 > this.cells.length) this.resize(this.cells.length * 2);
    let cell = hash & this.mask;
    while (this.cells[cell] !== 0) cell = (cell + 1) & this.mask;
    this.cells[cell] = slot + 1;
    this.count++;
  }

  /** Empties the slot's cell and shifts back the cells after it that would no longer be found. */
  remove(slot: number, hash: number): void {
    const { cells, mask } = this;
    let hole = hash & mask;
    while (cells[hole] !== slot + 1) {
      if (cells[hole] === 0) return;
      hole = (hole + 1) & mask;
    }
    for (let cell = (hole + 1) & mask; cells[cell] !== 0; cell = (cell + 1) & mask) {
      const home = this.hashOf(cells[cell]! - 1) & mask;
      // The entry stays unless its home lies outside the stretch (hole, cell], cyclically.
      const stays = hole <= cell ? hole < home && home <= cell : hole < home || home <= cell;
      if (stays) continue;
      cells[hole] = cells[cell]!;
      hole = cell;
    }
    cells[hole] = 0;
    this.count--;
  }

  clear(): void {
    this.cells = new Int32Array(FIRST_CAPACITY);
    this.mask = FIRST_CAPACITY - 1;
    this.count = 0;
  }

  private resize(length: number): void {
    const old = this.cells;
    this.cells = new Int32Array(length);
    this.mask = length - 1;
    for (const value of old) {
      if (value === 0) continue;
      let cell = this.hashOf(value - 1) & this.mask;
      while (this.cells[cell] !== 0) cell = (cell + 1) & this.mask;
      this.cells[cell] = value;
    }
  }
}

/** Seeded per process, so which keys share a cell cannot be known from outside. */
const SEED = randomBytes(4).readUInt32LE(0);

/** FNV-1a over the UTF-16 code units of text[start, end), seeded, with a final mix. */
function hashText(text: string, start: number, end: number): number {
  let hash = SEED ^ 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x45d9f3b);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** The user's text fields as one string (JSON if one of them holds the separator), and what the text cannot say. */
function packUser(user: PublicUser, disabled: boolean): { fields: string; flags: number } {
  const fields = [user.email, user.name ?? '', user.image ?? '', user.role, user.teamName ?? ''];
  let flags = (user.name === null ? NAME_NULL : 0) | (user.image === null ? IMAGE_NULL : 0) | (user.teamName === null ? TEAM_NULL : 0);
  if (disabled) flags |= DISABLED;
  if (fields.some((field) => field.includes(SEPARATOR))) return { fields: JSON.stringify(fields), flags: flags | AS_JSON };
  return { fields: fields.join(SEPARATOR), flags };
}

/**
 * One flat string of the parts. `a + b` makes a rope that keeps `a` and `b`
 * alive as they are, which would cost more than the strings it joins.
 */
function flat(...parts: string[]): string {
  return parts.join('');
}

function grown<T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(column: T, length: number): T {
  const next = new (column.constructor as new (length: number) => T)(length);
  next.set(column);
  return next;
}
