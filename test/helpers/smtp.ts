import { EventEmitter, once } from 'node:events';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './redis-server.js';

/** A message the test SMTP server accepted, parsed. */
export interface ReceivedMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly messageId: string;
}

/**
 * A real SMTP server on a free loopback port, started by the test: the
 * service talks SMTP to it exactly as to a production relay, and the test
 * reads what arrived. `refuse` makes it answer every message with a 5xx or
 * 4xx, to provoke the sender's failure paths.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  refuse: { code: number } | null = null;
  private readonly events = new EventEmitter();
  private server: SMTPServer | undefined;

  private constructor(readonly port: number) {}

  /** Started on `port` (a free one when absent): a test may pick the port first, and start the server later. */
  static async start(port?: number): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer(port ?? (await freePort()));
    await smtp.listen();
    return smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The first message to `to` (and matching `subject`) that arrives, at most `timeoutMs` from now. */
  async waitFor(to: string, subject?: RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
    const match = (mail: ReceivedMail) => mail.to === to && (!subject || subject.test(mail.subject));
    const found = this.received.find(match);
    if (found) return found;

    const signal = AbortSignal.timeout(timeoutMs);
    for (;;) {
      const [mail] = (await once(this.events, 'mail', { signal })) as [ReceivedMail];
      if (match(mail)) return mail;
    }
  }

  messagesTo(to: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to === to);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async listen(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      // No TLS on loopback: the client would refuse the test's self-signed certificate.
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        if (this.refuse) {
          stream.resume();
          stream.once('end', () => callback(Object.assign(new Error('refused by test'), { responseCode: this.refuse!.code })));
          return;
        }
        simpleParser(stream).then((parsed) => {
          this.record(parsed);
          callback();
        }, callback);
      },
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server.server, 'listening');
  }

  private record(parsed: Awaited<ReturnType<typeof simpleParser>>): void {
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    const mail: ReceivedMail = {
      to: to?.value[0]?.address ?? '',
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      messageId: parsed.messageId ?? '',
    };
    this.received.push(mail);
    this.events.emit('mail', mail);
  }
}

/** The token and action of a link in a mail's text (the token sits in the URL fragment). */
export function linkIn(mail: ReceivedMail): { url: string; action: string; token: string } {
  const url = /https?:\/\/\S+#action=[\w-]+&token=asl_[\w-]+/.exec(mail.text)?.[0];
  if (!url) throw new Error(`no link in the mail "${mail.subject}"`);
  const fragment = new URLSearchParams(new URL(url).hash.slice(1));
  return { url, action: fragment.get('action')!, token: fragment.get('token')! };
}
