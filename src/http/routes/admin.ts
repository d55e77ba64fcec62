import type { FastifyInstance } from 'fastify';
import { InvalidRequest } from '../../domain/errors.js';
import { authenticateAdmin } from '../admin-auth.js';
import { presentAuditEvent, presentBlock, presentSessionSummary, presentUser } from '../presenters.js';
import {
  AdminSessionsReply,
  AdminUsersQuery,
  AdminUsersReply,
  AuditQuery,
  AuditReply,
  BlockBody,
  BlockListReply,
  BlockReply,
  errorReplies,
  IdParams,
  RoleBody,
} from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';

const ADMIN_SECURITY: Array<Record<string, string[]>> = [{ adminToken: [] }, { bearer: [] }, { sessionCookie: [] }];
const ADMIN_ERRORS = errorReplies(400, 401, 403, 404, 413, 415, 429, 503);
const NO_CONTENT = { 204: { type: 'null' }, ...ADMIN_ERRORS };
const AUDIT_PAGE_DEFAULT = 50;
const AUDIT_PAGE_MAX = 200;

type WithId = { Params: { id: string } };

/** The admin API: users, their sessions, the audit trail and address blocks. */
export function registerAdminRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const admin = deps.guardian.admin;
  const actorOf = (request: Parameters<typeof authenticateAdmin>[0]) => authenticateAdmin(request, deps, settings);
  const route = (tags: string[], extra: Record<string, unknown>) => ({
    config: { rateBucket: 'admin' as const },
    schema: { tags, security: ADMIN_SECURITY, ...extra },
  });

  app.get<{ Querystring: { email: string } }>('/v1/admin/users', route(['admin'], { querystring: AdminUsersQuery, response: { 200: AdminUsersReply, ...ADMIN_ERRORS } }), async (request) => {
    const users = await admin.findUsers(request.query.email, await actorOf(request));
    return { users: users.map(presentUser) };
  });

  app.post<WithId>('/v1/admin/users/:id/unlock', route(['admin'], { params: IdParams, response: NO_CONTENT }), async (request, reply) => {
    await admin.unlock(request.params.id, await actorOf(request));
    return reply.code(204).send();
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post<WithId>(`/v1/admin/users/:id/${action}`, route(['admin'], { params: IdParams, response: NO_CONTENT }), async (request, reply) => {
      await admin.setDisabled(request.params.id, disabled, await actorOf(request));
      return reply.code(204).send();
    });
  }

  app.put<WithId & { Body: { role: string } }>('/v1/admin/users/:id/role', route(['admin'], { params: IdParams, body: RoleBody, response: NO_CONTENT }), async (request, reply) => {
    await admin.setRole(request.params.id, request.body.role, await actorOf(request));
    return reply.code(204).send();
  });

  app.get<WithId>('/v1/admin/users/:id/sessions', route(['admin'], { params: IdParams, response: { 200: AdminSessionsReply, ...ADMIN_ERRORS } }), async (request) => {
    const sessions = await admin.sessionsOf(request.params.id, await actorOf(request));
    return { sessions: sessions.map(presentSessionSummary) };
  });

  app.delete<WithId>('/v1/admin/sessions/:id', route(['admin'], { params: IdParams, response: NO_CONTENT }), async (request, reply) => {
    await admin.endSession(request.params.id, await actorOf(request));
    return reply.code(204).send();
  });

  app.get<{ Querystring: AuditQuery }>('/v1/admin/audit', route(['admin', 'audit'], { querystring: AuditQuery, response: { 200: AuditReply, ...ADMIN_ERRORS } }), async (request) => {
    const page = await admin.readAudit(auditQueryOf(request.query), await actorOf(request));
    return { events: page.events.map(presentAuditEvent), nextCursor: page.nextCursor };
  });

  registerBlockRoutes(app, deps, settings);
}

function registerBlockRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const admin = deps.guardian.admin;
  const options = (extra: Record<string, unknown>) => ({
    config: { rateBucket: 'admin' as const },
    schema: { tags: ['admin'], security: ADMIN_SECURITY, ...extra },
  });

  app.get('/v1/admin/blocks', options({ response: { 200: BlockListReply, ...ADMIN_ERRORS } }), async (request) => {
    await authenticateAdmin(request, deps, settings);
    return { blocks: (await admin.listBlocks()).map(presentBlock) };
  });

  app.post<{ Body: BlockBody }>('/v1/admin/blocks', options({ body: BlockBody, response: { 201: BlockReply, ...ADMIN_ERRORS } }), async (request, reply) => {
    const actor = await authenticateAdmin(request, deps, settings);
    const { cidr, duration, reason } = request.body;
    const block = await admin.block(cidr, durationMs(duration), reason ?? null, actor);
    return reply.code(201).send(presentBlock(block));
  });

  app.delete<WithId>('/v1/admin/blocks/:id', options({ params: IdParams, response: NO_CONTENT }), async (request, reply) => {
    await admin.unblock(request.params.id, await authenticateAdmin(request, deps, settings));
    return reply.code(204).send();
  });
}

function auditQueryOf(query: AuditQuery) {
  const limit = query.limit === undefined ? AUDIT_PAGE_DEFAULT : Number(query.limit);
  if (limit < 1 || limit > AUDIT_PAGE_MAX) throw new InvalidRequest(`querystring.limit must be from 1 to ${AUDIT_PAGE_MAX}`);
  return {
    userId: query.userId,
    type: query.type,
    since: query.since === undefined ? undefined : Date.parse(query.since),
    until: query.until === undefined ? undefined : Date.parse(query.until),
    beforeId: query.cursor,
    limit,
  };
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationMs(duration: string): number {
  return Number(duration.slice(0, -1)) * UNIT_MS[duration.slice(-1)]!;
}
