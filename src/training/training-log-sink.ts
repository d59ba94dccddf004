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
  const next = {
    training_job_logs: await store.nextSeq('training_job_logs', name),
    training_job_metrics: await store.nextSeq('training_job_metrics', name),
  };
  let lines: Array<{ attempt: number; line: string; at: string }> = [];
  let points: Array<{ name: string; value: number; step: number | null; at: string }> = [];
  let params: Array<[string, string]> = [];
  const finals: Record<string, number> = {};
  let writing: Promise<void> = Promise.resolve();
  const numbered = async <T>(table: keyof typeof next, items: T[], insert: (rows: Array<T & { seq: number }>) => Promise<void>) => {
    for (let tries = 0; items.length > 0; tries++) {
      const base = next[table];
      try {
        await insert(items.map((item, i) => ({ ...item, seq: base + i })));
        next[table] = base + items.length;
        return;
      } catch (err) {
        if (tries >= 3) throw err;
        next[table] = await store.nextSeq(table, name);
      }
    }
  };
  const flush = () => {
    const [l, p, q] = [lines, points, params];
    lines = [];
    points = [];
    params = [];
    const snapshot = { ...finals };
    writing = writing.then(async () => {
      await numbered('training_job_logs', l, (rows) => store.appendLogs(name, rows));
      await numbered('training_job_metrics', p, (rows) => store.appendMetrics(name, rows));
      for (const [param, value] of q) await store.setParam(name, param, value);
      if (p.length) await store.update(name, { final_metrics_json: JSON.stringify(snapshot) });
    }).catch(() => undefined);
    return writing;
  };
  const timer = setInterval(() => void flush(), 500);
  return {
    log(line: string) {
      lines.push({ attempt, line, at: new Date().toISOString() });
      if (lines.length >= 500) void flush();
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
      clearInterval(timer);
      await flush();
    },
  };
}
