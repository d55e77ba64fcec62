import type { ServerResponse } from 'node:http';

/**
 * One server-sent events connection (text/event-stream) with a bound on what
 * it may hold back: a subscriber that reads slower than events arrive is cut
 * off instead of growing this process's memory, and reconnects to replay
 * what it missed.
 */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  readonly id?: number;
}

export class EventStream {
  private closed = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly maxBufferedBytes: number,
    private readonly onClose: (reason: 'client' | 'slow' | 'server') => void,
  ) {
    raw.on('close', () => this.finish('client'));
  }

  /** Sends the status line and headers, and how soon a dropped client should come back. */
  open(headers: Record<string, string | number | string[] | undefined>, retryMs: number): void {
    this.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Proxies such as nginx would otherwise hold events back to fill a buffer.
      'x-accel-buffering': 'no',
    });
    this.raw.write(`retry: ${retryMs}\n\n`);
  }

  /** False when the stream is closed, or was closed now for being too far behind. */
  send(event: SseEvent): boolean {
    if (this.closed) return false;

    this.raw.write(formatEvent(event));
    if (this.raw.writableLength <= this.maxBufferedBytes) return true;
    this.end('slow');
    return false;
  }

  end(reason: 'slow' | 'server'): void {
    if (this.closed) return;
    this.raw.destroy();
    this.finish(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private finish(reason: 'client' | 'slow' | 'server'): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(reason);
  }
}

/** Event names and ids are ours; data is JSON, which holds no raw newline. */
export function formatEvent({ event, data, id }: SseEvent): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
