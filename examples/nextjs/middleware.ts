import { authMiddleware } from 'astral-auth/next';
import { edgeAuthenticator } from './lib/astral.js';

/** Pages under /dashboard need a session; visitors without one go to /login. */
export default authMiddleware(edgeAuthenticator, { redirectTo: '/login' });

export const config = { matcher: ['/dashboard/:path*'] };
