import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config.js';

/**
 * Where mail goes: an SMTP server (nodemailer), or, with no server
 * configured, a folder of .eml files, so the embedded setup needs nothing
 * else to run. Both build the message the same way.
 */
export interface OutgoingMessage {
  /** The outbox row's id: also the Message-ID, so a receiver can drop a duplicate. */
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface MailTransport {
  /** Resolves with where the mail went, for the log (never an address or a link). */
  send(message: OutgoingMessage): Promise<string>;
  close(): void;
}

/** A send that failed: `reason` is an error code and SMTP status, never a server's text (it may quote addresses). */
export class DeliveryError extends Error {
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
  ) {
    super(`mail delivery failed: ${reason}`);
    this.name = 'DeliveryError';
  }
}

// Well inside the outbox lease (see outbox-sender.ts): a send that hangs is given up before its row is handed on.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export function createMailTransport(config: MailConfig, dataDir: string): MailTransport {
  return config.smtpUrl ? smtpTransport(config) : folderTransport(config, path.join(dataDir, 'mail'));
}

function smtpTransport(config: MailConfig): MailTransport {
  const transporter = nodemailer.createTransport(config.smtpUrl!, {
    ...SMTP_TIMEOUTS,
    // Templates are operator text, but nothing in a mail should make the service read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(message) {
      try {
        const info = await transporter.sendMail(envelope(config, message));
        return `smtp ${String(info.response ?? '').slice(0, 3)}`;
      } catch (error) {
        throw asDeliveryError(error);
      }
    },
    close: () => transporter.close(),
  };
}

/**
 * The file is named after the outbox row and written whole before it
 * appears, so a retry after a crash replaces it instead of adding a second.
 */
function folderTransport(config: MailConfig, dir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await composer.sendMail(envelope(config, message));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${message.id}.eml`);
      writeFileSync(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      return file;
    },
    close: () => composer.close(),
  };
}

function envelope(config: MailConfig, message: OutgoingMessage) {
  const domain = /@([^>\s]+)>?$/.exec(config.from)?.[1] ?? 'localhost';
  return {
    from: config.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: `<${message.id}@${domain}>`,
  };
}

function asDeliveryError(error: unknown): DeliveryError {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  const reason = [code ?? 'ERROR', responseCode].filter((part) => part !== undefined).join(' ');
  // 5xx is the server's final word on this message; anything else may pass on a later try.
  return new DeliveryError(reason, responseCode !== undefined && responseCode >= 500 && responseCode < 600);
}
