import { useCallback, useEffect, useRef, useState } from 'react';
import { labelingApi, type LabelingTask } from '../api/client';
import { ApiError } from '../api/http';

/** Items held at once by default: the one on screen and the next, leased ahead so it shows at once. */
const DEPTH = 2;
/** A held item whose lease ends sooner than this is dropped on load rather than shown. */
const LEASE_MARGIN_MS = 5_000;

export interface LabelingQueue {
  /** The item to label now; null while loading or when none is left. */
  task: LabelingTask | null;
  /** Nothing is left for the caller now (every item seen, or all taken by others). */
  exhausted: boolean;
  /** Waiting for the server to lease an item, with none to show meanwhile. */
  loading: boolean;
  /** Answers sent and not yet acknowledged. */
  pending: number;
  answered: number;
  skipped: number;
  error: unknown;
  submit(answer: unknown): void;
  skip(): void;
  /** Asks the server again after `exhausted` (leases run out and return items to the pool). */
  retry(): void;
}

/**
 * The labeler's queue for one job: leases the next item while the current one is on
 * screen (prefetch), moves to it as soon as an answer is given (the answer is sent in
 * the background; a refused one puts its item back with the error), and keeps the items
 * it holds in local storage, so a reload or a new tab shows the same leased items instead of
 * leaving them to run out (a labeler never gets an item twice).
 */
/** `depth` 1 turns prefetching off (the bench compares both). */
export function useLabelingQueue(job: string, user: string, preload: (task: LabelingTask) => void, depth = DEPTH): LabelingQueue {
  const storageKey = `orchard.labeling.${user}.${job}`;
  const s = useRef<{ held: LabelingTask[]; exhausted: boolean; fetching: boolean; loading: boolean; pending: number; answered: number; skipped: number; error: unknown } | null>(null);
  if (!s.current) s.current = { held: restore(storageKey), exhausted: false, fetching: false, loading: true, pending: 0, answered: 0, skipped: 0, error: null };
  const [, render] = useState(0);
  const preloadRef = useRef(preload);
  preloadRef.current = preload;

  const changed = useCallback(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(s.current!.held));
    } catch {
      // Storage full or disabled: the queue still works, a reload just loses the held items.
    }
    render((n) => n + 1);
  }, [storageKey]);

  const fill = useCallback(async () => {
    const q = s.current!;
    if (q.fetching) return;
    q.fetching = true;
    try {
      while (q.held.length < depth && !q.exhausted) {
        const { task } = await labelingApi.next(job);
        if (task) {
          q.held.push(task);
          preloadRef.current(task);
        } else q.exhausted = true;
        q.loading = false;
        changed();
      }
    } catch (err) {
      q.error = err;
    } finally {
      q.fetching = false;
      q.loading = false;
      changed();
    }
  }, [job, changed, depth]);

  useEffect(() => {
    for (const t of s.current!.held) preloadRef.current(t);
    void fill();
  }, [fill]);

  const submit = useCallback(
    (answer: unknown) => {
      const q = s.current!;
      const task = q.held.shift();
      if (!task) return;
      q.pending++;
      q.error = null;
      changed();
      void fill();
      labelingApi.submit(job, task.item, answer).then(
        () => {
          q.pending--;
          q.answered++;
          changed();
        },
        (err: unknown) => {
          q.pending--;
          q.error = err;
          // A refusal of the answer itself (or a lost connection) puts the item back to answer again; a lost lease does not.
          const leaseGone = err instanceof ApiError && (err.code === 'ORCH_LABELING_LEASE' || err.code === 'ORCH_LABELING_NOT_RUNNING');
          if (!leaseGone && Date.parse(task.leaseExpiresAt) > Date.now()) q.held.unshift(task);
          changed();
        },
      );
    },
    [job, changed, fill],
  );

  const skip = useCallback(() => {
    const q = s.current!;
    if (!q.held.shift()) return;
    q.skipped++;
    changed();
    void fill();
  }, [changed, fill]);

  const retry = useCallback(() => {
    s.current!.exhausted = false;
    s.current!.error = null;
    void fill();
  }, [fill]);

  const q = s.current;
  return { task: q.held[0] ?? null, exhausted: q.exhausted && q.held.length === 0, loading: q.held.length === 0 && (q.loading || (q.fetching && !q.exhausted)), pending: q.pending, answered: q.answered, skipped: q.skipped, error: q.error, submit, skip, retry };
}

function restore(key: string): LabelingTask[] {
  try {
    const held = JSON.parse(localStorage.getItem(key) ?? '[]') as LabelingTask[];
    return Array.isArray(held) ? held.filter((t) => Date.parse(t.leaseExpiresAt) > Date.now() + LEASE_MARGIN_MS) : [];
  } catch {
    return [];
  }
}
