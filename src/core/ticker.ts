/**
 * A pass repeated on a timer, one at a time: the next pass is scheduled `intervalMs` after
 * the previous one ends (never overlapping, however long a pass takes), a pass that throws
 * goes to `onError` and the loop goes on, `wake` brings the next pass forward when what it
 * looks at has changed, and `stop` waits for the pass in flight. The controllers that run
 * in `orchard up` (tuning, AutoML) drive their jobs with it.
 */
export interface TickerOptions {
  /** The pause between the end of one pass and the start of the next. @default 1000 */
  intervalMs?: number;
  /** Receives what a pass throws. */
  onError?: (err: unknown) => void;
}

export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private ended = false;
  private inPass = false;
  /** Woken during a pass: the next one starts as soon as it ends. */
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly options: TickerOptions = {},
  ) {}

  /** True once `stop` was called: a long pass checks it to end early. */
  get stopped(): boolean {
    return this.ended;
  }

  /** Runs the first pass on the next turn of the event loop, then one after each pause. */
  start(): void {
    this.timer = setTimeout(() => this.tick(), 0);
  }

  /**
   * Something the passes look at has changed: the next pass starts now when the ticker is
   * between passes, or as soon as the pass in flight ends (which may have read too early).
   * Passes still never overlap. Does nothing before `start` or after `stop`.
   */
  wake(): void {
    if (this.ended) return;
    if (this.inPass) {
      this.again = true;
      return;
    }
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
  }

  /** No pass starts after this; resolves when the one in flight has ended. */
  async stop(): Promise<void> {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private tick(): void {
    this.timer = null;
    this.inPass = true;
    this.again = false;
    this.running = this.pass()
      .catch((err) => this.options.onError?.(err))
      .finally(() => {
        this.inPass = false;
        if (!this.ended) this.timer = setTimeout(() => this.tick(), this.again ? 0 : (this.options.intervalMs ?? 1000));
      });
  }
}
