import { seqBatches, serialFlusher } from '../jobs/index.js';
import type { ProcessingStore } from './processing-store.js';

/** What an instance's output becomes: log lines and metric points. */
export interface ProcessingLogSink {
  log(line: string): void;
  metric(metric: string, value: number, step: number | null): void;
  /** Writes what is buffered and stops the timer. */
  flush(): Promise<void>;
}

/**
 * Buffers an instance's log lines and metric points and writes them in batches. Seqs are
 * the job's (all instances share one log); they are given at write time, so when another
 * instance (or an attempt that lost its lease) wrote meanwhile, the batch takes the next
 * free seqs instead of being lost.
 */
export async function processingLogSink(store: ProcessingStore, name: string, instance: number, attempt: number, metricKey: (metric: string) => string): Promise<ProcessingLogSink> {
  const tables = ['processing_job_logs', 'processing_job_metrics'] as const;
  const batches = await seqBatches({ tables, nextSeq: (table) => store.nextSeq(table, name), retries: 5 });
  let lines: Array<{ instance: number; attempt: number; line: string; at: string }> = [];
  let points: Array<{ instance: number; name: string; value: number; step: number | null; at: string }> = [];
  const finals: Record<string, number> = {};
  const flusher = serialFlusher(() => {
    const [l, p] = [lines, points];
    lines = [];
    points = [];
    const snapshot = { ...finals };
    return async () => {
      await batches.insert('processing_job_logs', l, (rows) => store.appendLogs(name, rows));
      await batches.insert('processing_job_metrics', p, (rows) => store.appendMetrics(name, rows));
      if (p.length) await store.mergeFinalMetrics(name, snapshot);
    };
  }, 500);
  return {
    log(line: string) {
      lines.push({ instance, attempt, line, at: new Date().toISOString() });
      if (lines.length >= 500) void flusher.flush();
    },
    metric(metric: string, value: number, step: number | null) {
      if (!Number.isFinite(value)) return;
      finals[metricKey(metric)] = value;
      points.push({ instance, name: metric, value, step, at: new Date().toISOString() });
    },
    async flush() {
      await flusher.close();
    },
  };
}
