import type { FastifyInstance } from 'fastify';
import { DASHBOARD_CSP, DASHBOARD_HTML } from '../../observability/dashboard-page.js';
import { adminGuard } from '../admin-guard.js';
import { metricsAccess } from '../metrics-access.js';
import { errorReplies } from '../schemas.js';
import type { HttpDeps } from '../server.js';

const ADMIN_SCHEMA = {
  tags: ['admin'],
  security: [{ bearer: [] }] as Array<Record<string, string[]>>,
  response: errorReplies(401, 403),
};

/**
 * /metrics for Prometheus, the admin routes of the alerts and the dashboard's
 * figures, and the dashboard page. None exists when ASTRAL_METRICS=false.
 */
export function registerObservabilityRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { config, observability } = deps;
  const { monitor, registry } = observability;
  if (!monitor || !registry) return;

  const scraper = metricsAccess(config.metrics.token);
  const admin = { onRequest: adminGuard(config.adminToken), schema: ADMIN_SCHEMA };

  app.get('/metrics', { schema: { hide: true }, onRequest: scraper }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  app.get('/v1/admin/alerts', admin, async () => monitor.alerts());
  app.get('/v1/admin/stats', admin, async () => monitor.stats());

  // The page holds no data and needs no token to load; what it shows comes from /v1/admin/stats.
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('content-security-policy', DASHBOARD_CSP);
    return DASHBOARD_HTML;
  });
}
