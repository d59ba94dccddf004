import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { usePollWhile, useWatch, type Topic } from '../api/live';
import { Card, ErrorBanner } from './ui';

/** One page of a job's log: the lines after `after` (a seq), and what to pass as `after` next time. */
export interface LogPage<L> {
  lines: L[];
  nextSeq?: number;
}

export interface LogTailProps<L extends { line: string }> {
  /** Fetches the lines after `after`. Keep it stable (useCallback): a new function starts the log over. */
  load: (after: number | undefined) => Promise<LogPage<L>>;
  /** While the job runs, new lines are fetched; once it ends, once more for the lines written at the end. */
  live: boolean;
  /** What prompts a fetch while live: the job's topic on the event stream, or polling every `pollMs`. */
  follow: { topic: Topic } | { pollMs: number };
  /** The accessible name of the log box. */
  label: string;
  /** How a line is shown (default: its text). */
  format?: (line: L) => string;
}

/** Pages of at most this many lines are asked for; a full page means there is more. */
const PAGE = 1000;
/** Lines kept on screen. */
const KEEP = 5000;

/** A job's log, fetched incrementally (after the last sequence number) while the job runs. */
export function LogTail<L extends { line: string }>({ load, live, follow, label, format = (l) => l.line }: LogTailProps<L>) {
  const [lines, setLines] = useState<L[]>([]);
  const [error, setError] = useState<unknown>(null);
  const next = useRef<number | undefined>(undefined);
  const busy = useRef(false);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const fetchMore = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      for (;;) {
        const page = await load(next.current);
        if (page.lines.length > 0) setLines((l) => [...l, ...page.lines].slice(-KEEP));
        next.current = page.nextSeq ?? next.current;
        if (page.lines.length < PAGE) break;
      }
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      busy.current = false;
    }
  }, [load]);
  useEffect(() => {
    setLines([]);
    next.current = undefined;
    void fetchMore();
  }, [fetchMore]);
  // One more fetch when the job ends, for the lines written at the end.
  useEffect(() => {
    if (!live) void fetchMore();
  }, [live, fetchMore]);
  const topic = 'topic' in follow ? follow.topic : null;
  const pollMs = 'pollMs' in follow ? follow.pollMs : 0;
  useWatch(live ? topic : null, () => void fetchMore());
  usePollWhile(live && pollMs > 0, () => void fetchMore(), pollMs);
  useLayoutEffect(() => {
    if (stick.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <Card title="Logs" actions={live ? <span className="badge run">live</span> : undefined}>
      <ErrorBanner error={error} />
      <pre
        className="log"
        ref={box}
        tabIndex={0}
        aria-label={label}
        aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? <span className="muted">No log lines yet.</span> : lines.map((l) => `${format(l)}\n`).join('')}
      </pre>
    </Card>
  );
}
