import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { SseParseError, SseParser } from '../../src/client/sse.js';
import { EventStream, formatEvent } from '../../src/http/event-stream.js';

describe('server-sent events', () => {
  test('the parser reads events split anywhere, with any line ending, and skips comments', () => {
    const text = `${formatEvent({ event: 'hello', data: { a: 1 } })}: a comment\r\nid: 42\r\nevent: heartbeat\r\ndata: {"now":42}\r\n\r\n`;
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      assert.deepEqual(events, [
        { event: 'hello', data: '{"a":1}', lastEventId: '' },
        { event: 'heartbeat', data: '{"now":42}', lastEventId: '42' },
      ], `cut at ${cut}`);
    }
  });

  test('the parser refuses an endless line instead of holding it', () => {
    const parser = new SseParser(1_000);
    assert.throws(() => parser.push('data: '.padEnd(2_000, 'x')), SseParseError);
  });

  test('a subscriber that falls more than the bound behind is cut off', () => {
    const raw = fakeResponse();
    const reasons: string[] = [];
    const stream = new EventStream(raw as unknown as ServerResponse, 1_000, (reason) => reasons.push(reason));
    stream.open({}, 1_000);
    let sent = 0;
    while (stream.send({ event: 'revocation', data: { padding: 'x'.repeat(100) }, id: sent })) sent++;
    assert.ok(sent >= 5 && sent < 10, `sent ${sent}`);
    assert.deepEqual(reasons, ['slow']);
    assert.equal(raw.destroyed, true);
    assert.equal(stream.send({ event: 'heartbeat', data: {} }), false);
  });
});

/** A response whose peer reads nothing: everything written stays buffered. */
function fakeResponse() {
  const emitter = new EventEmitter();
  return Object.assign(emitter, {
    writableLength: 0,
    destroyed: false,
    writeHead() {
      return this;
    },
    write(chunk: string) {
      this.writableLength += Buffer.byteLength(chunk);
      return false;
    },
    destroy() {
      this.destroyed = true;
    },
  });
}
