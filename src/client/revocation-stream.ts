import { SseParser, type ServerSentEvent } from './sse.js';

/**
 * The connection to `GET /v1/revocations`: opens it with the feed token,
 * reads events, notices a silent death (no byte for three heartbeats), and
 * reconnects with backoff, sending the last cursor as Last-Event-ID so the
 * service replays what was missed.
 */
export interface Hello {
  readonly replay: 'complete' | 'partial';
  readonly now: number;
  readonly accessTokenTtlMs: number;
  readonly heartbeatMs: number;
}

export interface FeedHandlers {
  hello(hello: Hello): void;
  revocation(data: unknown): void;
  heartbeat(now: number): void;
  /** Called with true once caught up after a (re)connection, with false when the stream is lost. */
  live(live: boolean): void;
  /** The service refused the feed token: nothing will work until the configuration is fixed. */
  refused(status: number): void;
}

export interface RevocationStreamOptions {
  readonly url: URL;
  readonly feedToken: string;
  readonly fetch: typeof fetch;
  readonly handlers: FeedHandlers;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
const REFUSED_BACKOFF_MS = 30_000;
const MISSED_HEARTBEATS = 3;
const DEFAULT_HEARTBEAT_MS = 5_000;

export class RevocationStream {
  private closed = false;
  private abort: AbortController | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private lastEventId = '';
  private silenceLimitMs = MISSED_HEARTBEATS * DEFAULT_HEARTBEAT_MS;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RevocationStreamOptions) {}

  start(): void {
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.hangUp();
    this.wake?.();
    clearTimeout(this.watchdog);
  }

  private async run(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (!this.closed) {
      const outcome = await this.connectOnce();
      this.options.handlers.live(false);
      if (outcome === 'caught-up') backoff = FIRST_BACKOFF_MS;
      const wait = outcome === 'refused' ? REFUSED_BACKOFF_MS : backoff;
      await this.sleep(wait * (0.5 + Math.random() / 2));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private async connectOnce(): Promise<'refused' | 'failed' | 'caught-up'> {
    this.abort = new AbortController();
    try {
      const response = await this.options.fetch(this.options.url, this.requestInit(this.abort.signal));
      if (response.status === 401 || response.status === 403) {
        this.options.handlers.refused(response.status);
        await response.body?.cancel();
        return 'refused';
      }
      if (!response.ok || !response.body) return 'failed';
      return await this.consume(response.body);
    } catch {
      return 'failed';
    } finally {
      clearTimeout(this.watchdog);
      this.hangUp();
    }
  }

  private requestInit(signal: AbortSignal): RequestInit {
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.options.feedToken}` };
    if (this.lastEventId !== '') headers['last-event-id'] = this.lastEventId;
    return { headers, signal, redirect: 'error' };
  }

  private async consume(body: ReadableStream<Uint8Array>): Promise<'failed' | 'caught-up'> {
    const reader = body.getReader();
    this.reader = reader;
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let caughtUp = false;
    this.armWatchdog();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return caughtUp ? 'caught-up' : 'failed';
      this.armWatchdog();
      for (const event of parser.push(decoder.decode(value, { stream: true }))) {
        caughtUp = this.dispatch(event) || caughtUp;
      }
    }
  }

  /** True when this event shows the stream caught up: the first heartbeat after the replay. */
  private dispatch(event: ServerSentEvent): boolean {
    const data = JSON.parse(event.data) as Record<string, unknown>;
    this.lastEventId = event.lastEventId;
    const { handlers } = this.options;
    if (event.event === 'hello') {
      this.silenceLimitMs = MISSED_HEARTBEATS * Number(data.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
      handlers.hello(data as unknown as Hello);
    } else if (event.event === 'revocation') {
      handlers.revocation(data);
    } else if (event.event === 'heartbeat') {
      handlers.heartbeat(Number(data.now));
      handlers.live(true);
      return true;
    }
    return false;
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.hangUp(), this.silenceLimitMs);
    unref(this.watchdog);
  }

  /**
   * Ends the connection: aborts the fetch and cancels the reader, so a read
   * already waiting on the body settles at once whatever the fetch
   * implementation does with the abort.
   */
  private hangUp(): void {
    this.abort?.abort();
    this.reader?.cancel().catch(() => undefined);
    this.reader = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      unref(timer);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Node keeps a process alive for a timer unless told otherwise; other runtimes have no unref. */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
