/**
 * "Tell me when this may have changed." Pages that show running work subscribe to a
 * topic and refetch what they show when told. Where the server streams events
 * (`GET /api/v1/training-jobs/{name}/events`, the platform feed `GET /api/v1/events`),
 * a topic listens to them through EventSource; where it does not (an older server, a
 * topic with no stream, a stream that fails to open), the topic polls on an interval
 * while the tab is visible. Pages never know which.
 */
import { useEffect, useRef } from 'react';

export type Topic =
  | { kind: 'training-job'; name: string }
  | { kind: 'training-jobs' }
  | { kind: 'transform-job'; name: string }
  | { kind: 'transform-jobs' }
  | { kind: 'endpoint'; name: string }
  | { kind: 'tuning-job'; name: string }
  | { kind: 'tuning-jobs' }
  /** Any kind on the platform feed (`processing-job`, `crawler-run`, …): one name, names with a prefix, or all. */
  | { kind: 'feed'; of: string; name?: string; prefix?: string };

/** How often a topic is polled without an event stream. */
const POLL_MS: Record<Topic['kind'], number> = {
  'training-job': 1000,
  'training-jobs': 3000,
  'transform-job': 1000,
  'transform-jobs': 3000,
  endpoint: 2000,
  'tuning-job': 2000,
  'tuning-jobs': 3000,
  feed: 2000,
};

/** A burst of events (log lines) becomes one refetch per this interval at most. */
const THROTTLE_MS = 400;
// `pipeline-step` events carry a kind and a name too (`<execution>/<step>`), so feed topics follow them.
const STREAM_EVENTS = ['status', 'log', 'metric', 'end', 'message', 'pipeline-step'];

interface FeedEvent {
  kind: string;
  name: string;
}

/** Which platform-feed events concern a topic (null: the topic has no feed; poll). */
function feedFilter(topic: Topic): ((e: FeedEvent) => boolean) | null {
  switch (topic.kind) {
    case 'training-jobs':
      return (e) => e.kind === 'training-job';
    case 'transform-jobs':
      return (e) => e.kind === 'transform-job';
    case 'transform-job':
      return (e) => e.kind === 'transform-job' && e.name === topic.name;
    // A tuning job changes when one of its trials (training jobs `<name>-NNN`) does.
    case 'tuning-job':
      return (e) => (e.kind === 'tuning-job' && e.name === topic.name) || (e.kind === 'training-job' && e.name.startsWith(`${topic.name}-`));
    case 'tuning-jobs':
      return (e) => e.kind === 'tuning-job' || e.kind === 'training-job';
    case 'feed':
      return (e) => e.kind === topic.of && (topic.name === undefined || e.name === topic.name) && (topic.prefix === undefined || e.name.startsWith(topic.prefix));
    default:
      return null;
  }
}

function throttle(fn: () => void): { call(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  return {
    call() {
      if (timer) return;
      const wait = Math.max(0, last + THROTTLE_MS - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        fn();
      }, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
    },
  };
}

function poll(topic: Topic, onChange: () => void): () => void {
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

// A server without a stream answers 404 every time: ask again only after a while.
const RETRY_UNAVAILABLE_MS = 60_000;
const unavailableUntil = new Map<string, number>();

/**
 * Opens an EventSource; calls `onEvent` per event, or `onUnavailable` once if the stream
 * cannot be had (not found, refused, or closed for good), after which it is closed.
 */
function stream(url: string, family: string, onEvent: (type: string, data: string) => void, onUnavailable: () => void): () => void {
  if (typeof EventSource === 'undefined' || (unavailableUntil.get(family) ?? 0) > Date.now()) {
    onUnavailable();
    return () => undefined;
  }
  let opened = false;
  const source = new EventSource(url, { withCredentials: true });
  source.onopen = () => {
    opened = true;
  };
  for (const type of STREAM_EVENTS) source.addEventListener(type, (e) => onEvent(type, (e as MessageEvent<string>).data));
  source.onerror = () => {
    // CONNECTING: the browser retries by itself. CLOSED: an HTTP error or a 204; give up.
    if (source.readyState !== EventSource.CLOSED) return;
    if (!opened) unavailableUntil.set(family, Date.now() + RETRY_UNAVAILABLE_MS);
    onUnavailable();
  };
  return () => source.close();
}

/** One shared connection to the platform feed, opened while anyone listens. */
const feed = {
  listeners: new Set<(e: FeedEvent) => void>(),
  fallbacks: new Set<() => void>(),
  close: null as null | (() => void),
  /**
   * A page subscribes after it has fetched what it shows; a change in between must not be
   * lost. A new connection asks the server to replay what changed since now (the server
   * looks a few seconds further back); a listener joining an open connection is called
   * once, as what it fetched may already be stale.
   */
  subscribe(listener: (e: FeedEvent) => void, onUnavailable: () => void, onJoined: () => void): () => void {
    this.listeners.add(listener);
    this.fallbacks.add(onUnavailable);
    if (this.close) {
      onJoined();
    } else {
      this.close = stream(
        `/api/v1/events?since=${encodeURIComponent(new Date().toISOString())}`,
        'feed',
        (type, data) => {
          if (type !== 'status' && type !== 'pipeline-step') return;
          try {
            const e = JSON.parse(data) as FeedEvent;
            for (const l of this.listeners) l(e);
          } catch {
            // Not an event this studio understands.
          }
        },
        () => {
          const fallbacks = [...this.fallbacks];
          this.reset();
          for (const f of fallbacks) f();
        },
      );
    }
    return () => {
      this.listeners.delete(listener);
      this.fallbacks.delete(onUnavailable);
      if (this.listeners.size === 0) this.reset();
    };
  },
  reset() {
    this.close?.();
    this.close = null;
    this.listeners.clear();
    this.fallbacks.clear();
  },
};

/** Calls `onChange` whenever the topic may have changed; returns the unsubscribe. */
export function watch(topic: Topic, onChange: () => void): () => void {
  const t = throttle(onChange);
  let stopFallback: (() => void) | null = null;
  const fallBack = () => {
    if (!stopFallback) stopFallback = poll(topic, onChange);
  };
  let stopStream: () => void;
  if (topic.kind === 'training-job') {
    let ended = false;
    stopStream = stream(
      `/api/v1/training-jobs/${encodeURIComponent(topic.name)}/events`,
      'training-job',
      (type) => {
        if (type === 'end') ended = true;
        t.call();
      },
      () => {
        // After `end` the stream closes on purpose: one last refetch, no polling.
        if (ended) t.call();
        else fallBack();
      },
    );
  } else {
    const filter = feedFilter(topic);
    stopStream = filter ? feed.subscribe((e) => filter(e) && t.call(), fallBack, () => t.call()) : (fallBack(), () => undefined);
  }
  return () => {
    stopStream();
    t.cancel();
    stopFallback?.();
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

/**
 * Calls `tick` every `ms` while `active` and the tab is visible: for what no event
 * announces (a running job's log lines written by a worker elsewhere).
 */
export function usePollWhile(active: boolean, tick: () => void, ms: number): void {
  const callback = useRef(tick);
  callback.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') callback.current();
    }, ms);
    return () => clearInterval(timer);
  }, [active, ms]);
}
