import { seqBatches, serialFlusher } from '../jobs/index.js';
import type { TrainingStore } from './training-store.js';

/** What an attempt's output becomes: log lines, metric points and logged parameters. */
export interface TrainingLogSink {
  log(line: string): void;
  metric(metric: string, value: number, step: number | null): void;
  param(param: string, value: string): void;
  /** Writes what is buffered and stops the timer. */
  flush(): Promise<void>;
}

/**
 * Buffers log lines and metric points and writes them in batches. Seqs are given at
 * write time: if another attempt of the job wrote meanwhile (one that had lost its lease
 * and not yet noticed), the batch takes the next free seqs instead of being lost.
 */
export async function trainingLogSink(store: TrainingStore, name: string, attempt: number): Promise<TrainingLogSink> {
  const tables = ['training_job_logs', 'training_job_metrics'] as const;
  const batches = await seqBatches({ tables, nextSeq: (table) => store.nextSeq(table, name), retries: 3 });
  let lines: Array<{ attempt: number; line: string; at: string }> = [];
  let points: Array<{ name: string; value: number; step: number | null; at: string }> = [];
  let params: Array<[string, string]> = [];
  const finals: Record<string, number> = {};
  const flusher = serialFlusher(() => {
    const [l, p, q] = [lines, points, params];
    lines = [];
    points = [];
    params = [];
    const snapshot = { ...finals };
    return async () => {
      await batches.insert('training_job_logs', l, (rows) => store.appendLogs(name, rows));
      await batches.insert('training_job_metrics', p, (rows) => store.appendMetrics(name, rows));
      for (const [param, value] of q) await store.setParam(name, param, value);
      if (p.length) await store.update(name, { final_metrics_json: JSON.stringify(snapshot) });
    };
  }, 500);
  return {
    log(line: string) {
      lines.push({ attempt, line, at: new Date().toISOString() });
      if (lines.length >= 500) void flusher.flush();
    },
    metric(metric: string, value: number, step: number | null) {
      if (!Number.isFinite(value)) return;
      finals[metric] = value;
      points.push({ name: metric, value, step, at: new Date().toISOString() });
    },
    param(param: string, value: string) {
      params.push([param, value]);
    },
    async flush() {
      await flusher.close();
    },
  };
}
