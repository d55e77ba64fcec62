import type { FastifyInstance } from 'fastify';

/**
 * Graceful close. Fastify turns away requests that arrive once closing has
 * begun (503) and closes the idle keep-alive connections, but a connection
 * whose request was still in flight stays open after its answer until the
 * client lets it go (the keep-alive timeout is 72 s): the process could not
 * exit within its drain time. Answers sent while closing say
 * `Connection: close`, so each such connection ends with its last answer and
 * the client knows not to send another request on it.
 */
export function installDrain(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
