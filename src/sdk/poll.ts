/** How a `waitFor` polls: a callback per state seen, the interval, and a way to give up. */
export interface PollOptions<T> {
  onUpdate?: (state: T) => void;
  /** @default 1000 */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Reads `describe()` until its status is terminal and returns that last state. */
export async function pollUntilDone<T extends { status: string }>(describe: () => Promise<T>, terminal: ReadonlySet<string>, options: PollOptions<T> = {}): Promise<T> {
  for (;;) {
    options.signal?.throwIfAborted();
    const state = await describe();
    options.onUpdate?.(state);
    if (terminal.has(state.status)) return state;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
