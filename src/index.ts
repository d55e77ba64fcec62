/**
 * `astral-auth`: the service as a library, to run it inside another Node.js
 * process (tests, a custom launcher). Apps that only use astral-auth import
 * `astral-auth/client` and its middleware subpaths instead.
 */
export { createApp, createCore, type App, type Core, type CoreOptions } from './app.js';
export { ConfigError, loadConfig, SETTINGS, type Config } from './config.js';
export { createLogger } from './observability/logger.js';
