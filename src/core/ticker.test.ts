import { describe, expect, it } from 'vitest';
import { Ticker } from './ticker.js';

describe('Ticker', () => {
  it('repeats the pass one at a time, survives a failing pass, and stop waits for the pass in flight', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    let inFlight = 0;
    let overlapped = false;
    let release: (() => void) | undefined;
    const third = new Promise<void>((resolve) => (release = resolve));
    let finishThird: (() => void) | undefined;
    const ticker = new Ticker(
      async () => {
        passes++;
        inFlight++;
        if (inFlight > 1) overlapped = true;
        try {
          if (passes === 2) throw new Error('second pass fails');
          if (passes === 3) {
            release!();
            await new Promise<void>((resolve) => (finishThird = resolve));
          }
        } finally {
          inFlight--;
        }
      },
      { intervalMs: 1, onError: (err) => errors.push(err) },
    );
    expect(ticker.stopped).toBe(false);
    ticker.start();
    await third;
    const stopping = ticker.stop();
    expect(ticker.stopped).toBe(true);
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(stopped).toBe(false);
    finishThird!();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(passes).toBe(3);
    expect(overlapped).toBe(false);
    expect(errors).toEqual([new Error('second pass fails')]);
  });

  it('stopped before its first pass, runs none', async () => {
    let passes = 0;
    const ticker = new Ticker(async () => void passes++, { intervalMs: 1 });
    ticker.start();
    await ticker.stop();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(passes).toBe(0);
  });
});
