import type { PlatformEvent } from '../contracts/index.js';
import { EventsClient } from './events-client.js';
import type { HttpClient } from './http.js';
import type { PollWake } from './poll.js';

/**
 * A poll's wake-up from the platform feed (`GET /api/v1/events`): the feed is opened from
 * `since` = now when this is made (before the first describe, so a change between the two is
 * replayed, not missed), and each `status` event of one resource (kind + name) ends the wait
 * between two polls early. A feed that cannot be opened or is lost for good (an older
 * server's 404, a 403, the network) is dropped in silence: the polls go on at their interval.
 * `close()` ends the feed's connection; call it on every way out of the wait.
 */
export class StatusWake implements PollWake {
  /** Status events of the resource seen so far, and that count at the last `mark()`. */
  private seen = 0;
  private marked = 0;
  private wakeUp: (() => void) | undefined;
  /**
   * Ends the feed's connection: a generator's `return()` waits for a pending `next()`, which
   * waits for the next event of the whole platform, so the read is aborted first.
   */
  private readonly controller = new AbortController();
  private readonly feed: AsyncGenerator<PlatformEvent>;
  private readonly reading: Promise<void>;

  constructor(
    http: HttpClient,
    private readonly kind: string,
    private readonly name: string,
  ) {
    this.feed = new EventsClient(http).feed({ since: new Date(), signal: this.controller.signal });
    this.reading = this.read();
  }

  mark(): void {
    this.marked = this.seen;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.seen !== this.marked) return resolve();
      const end = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wakeUp = undefined;
      };
      const onAbort = () => {
        end();
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        end();
        resolve();
      }, ms);
      this.wakeUp = () => {
        end();
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.reading;
    await this.feed.return(undefined);
  }

  private async read(): Promise<void> {
    try {
      for (;;) {
        const step = await this.feed.next();
        if (step.done) return;
        const event = step.value;
        if (event.type === 'status' && event.kind === this.kind && event.name === this.name) {
          this.seen++;
          this.wakeUp?.();
        }
      }
    } catch {
      // No feed, or closed: the polls go on without it.
    }
  }
}
