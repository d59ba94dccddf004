import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { OrchardApiError, type HttpClient, type Query } from './http.js';
import { sleep } from './poll.js';

export interface EventStreamOptions {
  /** Stops following; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Reconnect after a dropped connection, resuming from the last event id. @default true */
  reconnect?: boolean;
  /**
   * Give up after failing to reconnect for this long (the error is
   * `ORCH_CLIENT_UNREACHABLE`, or the server's). @default 120000
   */
  giveUpAfterMs?: number;
  /**
   * A connection silent for this long (not even the server's 15 s keep-alive comment) is
   * taken for dead and reopened. @default 45000
   */
  idleTimeoutMs?: number;
}

/** What one connection ended with. */
type Ending = 'closed' | 'no-content';

/** Errors worth a reconnect: the server unreachable or briefly unavailable. */
function retryable(err: unknown): boolean {
  if (!(err instanceof OrchardApiError)) return true;
  return err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504;
}

/**
 * Follows a server-sent event stream: yields each event, and after a dropped connection
 * (server restart, network) reconnects with `Last-Event-ID` so nothing is missed or
 * repeated. Ends when `isLast` says so, or when the server answers 204 (nothing more will
 * come). An error answer (404, 403, …) is thrown as {@link OrchardApiError}.
 */
export async function* followEventStream(
  http: HttpClient,
  path: string,
  query: Query,
  isLast: (message: EventSourceMessage) => boolean,
  options: EventStreamOptions = {},
): AsyncGenerator<EventSourceMessage> {
  const giveUpAfterMs = options.giveUpAfterMs ?? 120_000;
  let lastId: string | undefined;
  let retryMs = 1000;
  let failingSince: number | undefined;
  let failures = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    let connection: AsyncGenerator<EventSourceMessage, Ending> | undefined;
    try {
      connection = readEventStream(http, path, query, lastId, options.idleTimeoutMs ?? 45_000, options.signal, (ms) => (retryMs = ms));
      let step = await connection.next();
      while (!step.done) {
        failingSince = undefined;
        failures = 0;
        const message = step.value;
        if (message.id !== undefined) lastId = message.id;
        yield message;
        if (isLast(message)) {
          await connection.return('closed');
          return;
        }
        step = await connection.next();
      }
      if (step.value === 'no-content') return;
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!retryable(err) || options.reconnect === false) throw err;
      failingSince ??= Date.now();
      failures++;
      if (Date.now() - failingSince > giveUpAfterMs) throw err;
    } finally {
      // A caller that stops reading (a `break`) leaves this generator at a yield: the
      // connection is closed too, and its idle timer with it, so the process can exit.
      await connection?.return('closed');
    }
    if (options.reconnect === false) return;
    // Closed by the server (it restarts, or cut off a slow reader), or unreachable: wait, resume.
    await sleep(Math.min(10_000, retryMs * Math.min(5, failures + 1)), options.signal);
  }
}

/** One connection's events; returns how it ended. */
async function* readEventStream(
  http: HttpClient,
  path: string,
  query: Query,
  lastEventId: string | undefined,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
  onRetry: (ms: number) => void,
): AsyncGenerator<EventSourceMessage, Ending> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', abort, { once: true });
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new OrchardApiError('ORCH_CLIENT_UNREACHABLE', 'The event stream went silent', 0)), idleTimeoutMs);
  };
  try {
    touch();
    const res = await http.open(path, {
      query,
      signal: controller.signal,
      headers: { accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) },
    });
    if (res.status === 204 || !res.body) return 'no-content';
    const queue: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => queue.push(m), onRetry: onRetry });
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        parser.feed(decoder.decode(value, { stream: true }));
        while (queue.length) yield queue.shift()!;
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const reason = controller.signal.reason;
      throw reason instanceof OrchardApiError ? reason : new OrchardApiError('ORCH_CLIENT_UNREACHABLE', `The event stream broke off (${(err as Error).message})`, 0);
    } finally {
      reader.releaseLock();
    }
    return 'closed';
  } finally {
    clearTimeout(idle);
    signal?.removeEventListener('abort', abort);
    // Leaving early (the caller stopped reading) closes the connection.
    controller.abort();
  }
}
