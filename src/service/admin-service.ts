import type { AuditQuery, AuditSink, AuditStore, AuditType, StoredAuditEvent } from '../domain/audit.js';
import { NotFound } from '../domain/errors.js';
import type { AddressBlock, SessionSummary, UserAdminStore } from '../domain/guardian-ports.js';
import type { Clock, RevocationBus } from '../domain/ports.js';
import type { PublicUser } from '../domain/users.js';
import type { AddressBlocks } from './address-blocks.js';
import type { LoginGuard } from './login-guard.js';
import { actorEvent, type Actor, type SessionControl } from './session-control.js';

export interface AdminDeps {
  readonly users: UserAdminStore;
  readonly auditStore: Pick<AuditStore, 'queryAuditEvents'>;
  readonly guard: LoginGuard;
  readonly sessions: SessionControl;
  readonly blocks: AddressBlocks;
  readonly revocations: RevocationBus;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

export interface AuditPage {
  readonly events: StoredAuditEvent[];
  readonly nextCursor: string | null;
}

type AdminUser = PublicUser & { readonly disabled: boolean };

/**
 * What an admin may do. Each action is written to the audit trail before it
 * is answered (R35, R37), reads included, with the admin as actor.
 */
export class AdminService {
  constructor(private readonly deps: AdminDeps) {}

  async findUsers(emailPrefix: string, actor: Actor): Promise<PublicUser[]> {
    const users = await this.deps.users.findUsersByEmailPrefix(emailPrefix.trim().normalize('NFKC').toLowerCase(), 50);
    await this.record('admin.read', actor, null, 'users');
    return users;
  }

  async unlock(userId: string, actor: Actor): Promise<void> {
    const user = await this.requireUser(userId);
    await this.deps.guard.unlock(user.email);
    await this.record('admin.unlock', actor, userId);
  }

  /** Disabling ends every session in the same transaction, then tells every cache (R20). */
  async setDisabled(userId: string, disabled: boolean, actor: Actor): Promise<void> {
    const at = this.deps.clock.now();
    if (!(await this.deps.users.setUserDisabled(userId, disabled ? at : null))) throw new NotFound('user');

    if (disabled) await this.deps.revocations.publish({ kind: 'user', userId, exceptSessionId: null, at });
    await this.record(disabled ? 'admin.disable' : 'admin.enable', actor, userId);
  }

  /** Session checks read the role from the users row; caches are told to read it again (R21). */
  async setRole(userId: string, role: string, actor: Actor): Promise<void> {
    const at = this.deps.clock.now();
    if (!(await this.deps.users.setUserRole(userId, role, at))) throw new NotFound('user');

    await this.deps.revocations.publish({ kind: 'user_changed', userId, at });
    await this.record('admin.role', actor, userId, `role:${role}`);
  }

  async sessionsOf(userId: string, actor: Actor): Promise<SessionSummary[]> {
    await this.requireUser(userId);
    const sessions = await this.deps.sessions.list(userId);
    await this.record('admin.read', actor, userId, 'sessions');
    return sessions;
  }

  endSession(sessionId: string, actor: Actor): Promise<void> {
    return this.deps.sessions.end(sessionId, null, actor);
  }

  async readAudit(query: AuditQuery, actor: Actor): Promise<AuditPage> {
    const rows = await this.deps.auditStore.queryAuditEvents({ ...query, limit: query.limit + 1 });
    const events = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? events.at(-1)!.id : null;
    await this.record('admin.read', actor, query.userId ?? null, 'audit');
    return { events, nextCursor };
  }

  async block(cidr: string, durationMs: number, reason: string | null, actor: Actor): Promise<AddressBlock> {
    const block = await this.deps.blocks.add(cidr, durationMs, reason, actor.name);
    await this.record('admin.block', actor, null, `block:${block.id}`);
    return block;
  }

  async unblock(id: string, actor: Actor): Promise<void> {
    if (!(await this.deps.blocks.remove(id))) throw new NotFound('block');
    await this.record('admin.unblock', actor, null, `block:${id}`);
  }

  listBlocks(): Promise<AddressBlock[]> {
    return this.deps.blocks.current();
  }

  private async requireUser(userId: string): Promise<AdminUser> {
    const user = await this.deps.users.findUserById(userId);
    if (!user) throw new NotFound('user');
    return user;
  }

  private record(type: AuditType, actor: Actor, userId: string | null, reason: string | null = null): Promise<void> {
    return this.deps.audit.recordNow(actorEvent(this.deps.clock.now(), type, actor, userId, null, reason));
  }
}
