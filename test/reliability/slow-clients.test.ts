import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

/**
 * Clients that send a request slowly, a byte at a time, hold a connection
 * and its memory for as long as the server lets them (slowloris). The server
 * must answer or hang up within its request timeout, whatever the client
 * does, and keep serving everybody else meanwhile.
 */
const REQUEST_TIMEOUT_MS = 2_000;
// The timeout is checked once a second: an answer within a few seconds of it is in time.
const GIVE_UP_MS = REQUEST_TIMEOUT_MS + 8_000;

let service: RunningService;
before(async () => {
  service = await startService('sqlite', { env: { ASTRAL_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms` } });
});
after(() => service.stop());

interface Ending {
  readonly how: 'answered' | 'closed' | 'still open';
  readonly firstLine: string;
}

/** Writes `head` at once, then `trickle` one byte per interval, until the server answers, hangs up or GIVE_UP_MS passes. */
function slowRequest(head: string, trickle: string, intervalMs = 250): Promise<Ending> {
  const { port } = new URL(service.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let sent = 0;
    const finish = (how: Ending['how']) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ how: received ? 'answered' : how, firstLine: received.split('\r\n')[0] ?? '' });
    };
    const drip = setInterval(() => {
      if (sent < trickle.length && socket.writable) socket.write(trickle[sent++]!);
    }, intervalMs);
    const giveUp = setTimeout(() => finish('still open'), GIVE_UP_MS);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    socket.write(head);
  });
}

test('a body sent a byte at a time is cut off at the request timeout', async () => {
  const body = JSON.stringify({ email: uniqueEmail(), password: strongPassword() });
  const head = `POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const ending = await slowRequest(head, body);
  assert.notEqual(ending.how, 'still open', 'the server let the slow body hold the connection');
  if (ending.how === 'answered') assert.match(ending.firstLine, /^HTTP\/1\.1 (408|400)/);
});

test('headers sent a byte at a time are cut off at the request timeout', async () => {
  const headers = `GET /v1/session HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
  const ending = await slowRequest('', headers);
  assert.notEqual(ending.how, 'still open', 'the server let the slow headers hold the connection');
  if (ending.how === 'answered') assert.match(ending.firstLine, /^HTTP\/1\.1 (408|400)/);
});

test('a body shorter than its Content-Length does not hold the connection', async () => {
  const head = 'POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"email":';
  const ending = await slowRequest(head, '');
  assert.notEqual(ending.how, 'still open');
});

test('everybody else is served while slow clients wait', async () => {
  const slow = Array.from({ length: 20 }, () => slowRequest('POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9999\r\n\r\n', '{"email":"'));
  const email = uniqueEmail();
  const password = strongPassword();
  assert.equal((await call(service.url, 'POST', '/v1/register', { body: { email, password } })).status, 201);
  assert.equal((await call(service.url, 'POST', '/v1/login', { body: { email, password } })).status, 200);
  for (const ending of await Promise.all(slow)) assert.notEqual(ending.how, 'still open');
});
