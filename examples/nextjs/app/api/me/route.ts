import { withAuth } from 'astral-auth/next';
import { authenticator } from '../../../lib/astral.js';

/** `GET /api/me`: the caller, from a Bearer access token (verified locally) or the session cookie. */
export const GET = withAuth(authenticator, (_request, auth) => Response.json({ user: auth.user, session: auth.session }));
