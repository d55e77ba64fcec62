/**
 * A parser of server-sent events (the text/event-stream format of the HTML
 * standard), fed text as it arrives. EventSource cannot send an
 * Authorization header, so the verifier reads the stream with `fetch` and
 * parses it here.
 */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  /** The stream's last event id after this event. */
  readonly lastEventId: string;
}

export class SseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseParseError';
  }
}

export class SseParser {
  private pending = '';
  private eventName = '';
  private data: string[] = [];
  private lastEventId = '';

  /** `maxLineLength` bounds what a misbehaving server can make this side hold. */
  constructor(private readonly maxLineLength = 1024 * 1024) {}

  /** Takes the next piece of text and returns the events it completed. */
  push(text: string): ServerSentEvent[] {
    // A \r at the end may be the first half of a \r\n split across chunks: hold it back.
    const all = this.pending + text;
    const heldCr = all.endsWith('\r');
    const lines = (heldCr ? all.slice(0, -1) : all).split(/\r\n|\r|\n/);
    this.pending = (lines.pop() ?? '') + (heldCr ? '\r' : '');
    if (this.pending.length > this.maxLineLength) throw new SseParseError('an event stream line is too long');

    const events: ServerSentEvent[] = [];
    for (const line of lines) {
      const event = this.takeLine(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The id to send back as Last-Event-ID when reconnecting. */
  get lastId(): string {
    return this.lastEventId;
  }

  private takeLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    this.takeField(field, value);
    return undefined;
  }

  private takeField(field: string, value: string): void {
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event = { event: this.eventName || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId };
    const hadData = this.data.length > 0;
    this.eventName = '';
    this.data = [];
    return hadData ? event : undefined;
  }
}
