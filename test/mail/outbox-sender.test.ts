import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { LifecycleStore } from '../../src/domain/lifecycle-ports.js';
import type { NewMail } from '../../src/domain/mail.js';
import type { Store } from '../../src/domain/ports.js';
import { OutboxSender } from '../../src/mail/outbox-sender.js';
import { createMailTransport } from '../../src/mail/transport.js';
import { createLogger } from '../../src/observability/logger.js';
import { openLifecycleStore } from '../../src/store/open-lifecycle-store.js';
import { TestClock } from '../helpers/clock.js';
import { freePort } from '../helpers/redis-server.js';
import { ENGINES } from '../helpers/service.js';
import { TestSmtpServer } from '../helpers/smtp.js';
import { newUser, openTestStore } from '../store/stores.js';

const RETRY = { maxAttempts: 3, firstDelayMs: 1_000, maxDelayMs: 3_000 };
const MAIL = { from: 'Tests <tests@example.test>', templatesDir: null, pollIntervalMs: 60_000, retry: RETRY };

/** The sender against a real store and a real SMTP server; time moves by the test clock only. */
for (const engine of ENGINES) {
  describe(`Outbox sender on ${engine}`, () => {
    const clock = new TestClock();
    let store: Store;
    let outbox: LifecycleStore;
    let dispose: () => Promise<void>;
    let smtp: TestSmtpServer;
    const logs: string[] = [];

    before(async () => {
      ({ store, dispose } = await openTestStore(engine));
      outbox = openLifecycleStore(store);
      smtp = await TestSmtpServer.start();
    });
    after(async () => {
      await smtp.stop();
      await dispose();
    });

    function sender(smtpUrl = smtp.url): OutboxSender {
      const transport = createMailTransport({ ...MAIL, smtpUrl }, '');
      const logger = createLogger('debug', new Writable({ write: (chunk, _e, done) => done(void logs.push(String(chunk))) }));
      const compose = async (mail: NewMail) => ({ userId: mail.userId!, to: mail.recipient, subject: `About ${mail.kind}`, text: 'hello', html: '<p>hello</p>' });
      return new OutboxSender(outbox, compose, transport, clock, logger, MAIL);
    }

    async function queue(count = 1): Promise<NewMail[]> {
      const user = newUser();
      await store.createUser(user);
      const rows = Array.from({ length: count }, (): NewMail => ({
        id: randomUUID(),
        kind: 'password_changed',
        userId: user.id,
        recipient: user.email,
        data: {},
        createdAt: clock.now(),
      }));
      await outbox.enqueueMail(rows);
      return rows;
    }

    test('sends each due row once, with the row id as Message-ID, and records it', async () => {
      const [row] = await queue();
      const one = sender();
      await one.drain();
      await one.drain();
      const received = smtp.messagesTo(row!.recipient);
      assert.equal(received.length, 1);
      assert.equal(received[0]!.subject, 'About password_changed');
      assert.match(received[0]!.messageId, new RegExp(`^<${row!.id}@example\\.test>$`));
      assert.deepEqual((await outbox.listMailOfUser(row!.userId!)).map((m) => [m.status, m.subject]), [['sent', 'About password_changed']]);
    });

    test('a temporary refusal is retried after a doubling delay, then sent', async () => {
      const [row] = await queue();
      const one = sender();
      smtp.refuse = { code: 451 };
      await one.drain();
      clock.advance(999);
      await one.drain();
      assert.equal(smtp.messagesTo(row!.recipient).length, 0);
      clock.advance(1);
      await one.drain();
      clock.advance(1_999);
      await one.drain();
      smtp.refuse = null;
      assert.equal(smtp.messagesTo(row!.recipient).length, 0, 'second retry waits 2 s');
      clock.advance(1);
      await one.drain();
      assert.equal(smtp.messagesTo(row!.recipient).length, 1);
      assert.match(logs.join(''), /"reason":"EMESSAGE 451".*mail delivery failed; will retry/);
    });

    test('a permanent refusal fails at once; attempts run out on a server that is down', async () => {
      const [refused] = await queue();
      smtp.refuse = { code: 550 };
      await sender().drain();
      smtp.refuse = null;
      assert.deepEqual((await outbox.listMailOfUser(refused!.userId!)).map((m) => m.status), ['failed']);

      const [unreachable] = await queue();
      const down = sender(`smtp://127.0.0.1:${await freePort()}`);
      for (let attempt = 0; attempt < RETRY.maxAttempts; attempt++) {
        await down.drain();
        clock.advance(RETRY.maxDelayMs);
      }
      assert.deepEqual((await outbox.listMailOfUser(unreachable!.userId!)).map((m) => m.status), ['failed']);
      assert.match(logs.join(''), /"reason":"ESOCKET".*mail delivery failed for good|"reason":"ECONNECTION".*mail delivery failed for good/);
    });

    test('several senders draining one outbox at once send every mail exactly once', async () => {
      const rows = await queue(25);
      const senders = [sender(), sender(), sender()];
      await Promise.all(senders.map((one) => one.drain()));
      const to = rows[0]!.recipient;
      assert.equal(smtp.messagesTo(to).length, 25);
      assert.equal(new Set(smtp.messagesTo(to).map((m) => m.messageId)).size, 25);
    });

    test('no log line names an address', () => {
      assert.doesNotMatch(logs.join(''), /@example\.test(?!>)/);
    });
  });
}
