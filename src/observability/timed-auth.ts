import { DomainError } from '../domain/errors.js';
import type { AuthService } from '../service/auth-service.js';
import type { LoginOutcome, Metrics } from './metrics.js';

/**
 * The auth service with its session checks timed and its login outcomes
 * counted. Like the timed store, it is a view over the service: these three
 * methods are replaced, every other reads through unchanged.
 */
export function timeAuth(auth: AuthService, metrics: Metrics): AuthService {
  const timed = Object.create(auth) as AuthService;

  timed.validateSessionToken = async (...args) => {
    const start = performance.now();
    let valid = false;
    try {
      const view = await auth.validateSessionToken(...args);
      valid = true;
      return view;
    } finally {
      metrics.sessionValidated('session_token', valid, (performance.now() - start) / 1000);
    }
  };

  timed.validateAccessToken = async (...args) => {
    const start = performance.now();
    let valid = false;
    try {
      const checked = await auth.validateAccessToken(...args);
      valid = true;
      return checked;
    } finally {
      metrics.sessionValidated('access_token', valid, (performance.now() - start) / 1000);
    }
  };

  timed.login = async (email, password, context) => {
    try {
      const issued = await auth.login(email, password, context);
      metrics.loginOutcome('success');
      return issued;
    } catch (error) {
      metrics.loginOutcome(loginOutcomeOf(error));
      throw error;
    }
  };
  return timed;
}

/** A refused login is labelled by its error code; throttling by the name the report uses. */
function loginOutcomeOf(error: unknown): LoginOutcome {
  if (!(error instanceof DomainError)) return 'error';
  const code: string = error.code;
  return code === 'too_many_attempts' ? 'throttled' : code;
}
