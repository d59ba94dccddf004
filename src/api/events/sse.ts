import type { FastifyReply } from 'fastify';

/** One open `text/event-stream` response. */
export interface SseConnection {
  /** Sends one event (data as JSON on one line); false when the connection is gone. */
  send(event: string, data: unknown, id?: string): boolean;
  /** A comment line (`: text`): keeps proxies and idle timers from closing the stream. */
  comment(text: string): void;
  /** Resolves once the client has read what is buffered (use between pages of a replay). */
  drain(): Promise<void>;
  /** Ends the response. */
  close(): void;
  readonly closed: boolean;
  /** Called once when the stream ends, by either side. */
  onClose(fn: () => void): void;
}

export interface SseOptions {
  /**
   * A client that has this much unread output is disconnected rather than buffered for
   * without bound; it reconnects with `Last-Event-ID` and resumes where it was.
   * @default 8 MiB
   */
  maxBufferedBytes?: number;
  /** Sent as `retry:`, the browser's reconnection delay. @default 2000 */
  retryMs?: number;
}

/**
 * Takes the response over from Fastify (`reply.hijack()`) and opens an event stream.
 * Call it only after everything that may fail with a JSON error (404, 403) has been
 * checked: from here on the status is 200.
 */
export function openSse(reply: FastifyReply, options: SseOptions = {}): SseConnection {
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // The connection serves this stream only: when it ends, the socket goes too, so a
    // shutdown does not wait out the keep-alive timeout of sockets its streams used.
    connection: 'close',
    // Reverse proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  const closers: Array<() => void> = [];
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    // A client that went away may leave its side half-open: let the socket go now.
    if (!res.writableEnded) res.destroy();
    for (const fn of closers.splice(0)) {
      try {
        fn();
      } catch {
        // a listener's failure must not keep the others from running
      }
    }
  };
  res.on('close', finish);
  res.on('error', finish);
  const write = (text: string): boolean => {
    if (closed || res.writableEnded || res.destroyed) return false;
    res.write(text);
    if (res.writableLength > maxBuffered) {
      // A reader this far behind is cut off; it resumes from its last id.
      res.destroy();
      finish();
      return false;
    }
    return true;
  };
  // The first bytes go out at once, so the client sees the stream open.
  write(`retry: ${options.retryMs ?? 2000}\n: stream open\n\n`);
  return {
    send(event, data, id) {
      return write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
    },
    drain() {
      if (closed || !res.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          res.off('drain', done);
          resolve();
        };
        res.once('drain', done);
        closers.push(done);
      });
    },
    close() {
      if (!closed && !res.writableEnded) res.end();
      finish();
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
  };
}
