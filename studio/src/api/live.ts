/**
 * "Tell me when this may have changed." Pages that show running work subscribe to a
 * topic and refetch what they show when told. Today the server has no event stream, so
 * every topic ticks on an interval while the tab is visible; when the server streams
 * events (`GET /api/v1/events`, `GET /api/v1/training-jobs/{name}/events`), only this
 * module changes: `watch` opens an EventSource and calls back per event.
 */
import { useEffect, useRef } from 'react';

export type Topic =
  | { kind: 'training-job'; name: string }
  | { kind: 'training-jobs' }
  | { kind: 'transform-job'; name: string }
  | { kind: 'transform-jobs' }
  | { kind: 'endpoint'; name: string }
  | { kind: 'tuning-job'; name: string }
  | { kind: 'tuning-jobs' };

/** How often a topic is polled while no event stream exists. */
const POLL_MS: Record<Topic['kind'], number> = {
  'training-job': 1000,
  'training-jobs': 3000,
  'transform-job': 1000,
  'transform-jobs': 3000,
  endpoint: 2000,
  'tuning-job': 2000,
  'tuning-jobs': 3000,
};

/** Calls `onChange` whenever the topic may have changed; returns the unsubscribe. */
export function watch(topic: Topic, onChange: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') onChange();
    timer = setTimeout(tick, POLL_MS[topic.kind]);
  };
  timer = setTimeout(tick, POLL_MS[topic.kind]);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** Subscribes while `topic` is non-null (pass null once the work has finished). */
export function useWatch(topic: Topic | null, onChange: () => void): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = topic ? JSON.stringify(topic) : null;
  useEffect(() => {
    if (!topic) return;
    return watch(topic, () => callback.current());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}
