/** How a `waitFor` polls: a callback per state seen, the interval, and a way to give up. */
export interface PollOptions<T> {
  onUpdate?: (state: T) => void;
  /** @default 1000 */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * What can end the wait between two polls early: a live feed of the polled thing's changes
 * (see `StatusWake`). `mark()` is called just before each read, so a change seen while the
 * read is under way still cuts the next wait short.
 */
export interface PollWake {
  mark(): void;
  /** Resolves after `ms`, or as soon as a change is seen (at once when one was seen since `mark`); rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Reads `describe()` until its status is terminal and returns that last state; between two
 * reads it waits `pollMs`, or less when `wake` reports a change. An abort ends the wait at once.
 */
export async function pollUntilDone<T extends { status: string }>(
  describe: () => Promise<T>,
  terminal: ReadonlySet<string>,
  options: PollOptions<T> = {},
  wake?: PollWake,
): Promise<T> {
  const pollMs = options.pollMs ?? 1000;
  for (;;) {
    options.signal?.throwIfAborted();
    wake?.mark();
    const state = await describe();
    options.onUpdate?.(state);
    if (terminal.has(state.status)) return state;
    await (wake ? wake.sleep(pollMs, options.signal) : sleep(pollMs, options.signal));
  }
}

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
