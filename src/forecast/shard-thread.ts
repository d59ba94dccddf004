/**
 * Backtests a shard's items in a worker thread: fitting every local candidate is seconds
 * of synchronous work per block, which on the claiming process's event loop would keep
 * two shards of one `orchard up` on one core (and stall its API). Receives the shard's
 * blocks one at a time (`block`), answers each with its items' evaluations as JSON Lines
 * (`lines`) and progress in between; `finish` answers the shard's metric sums.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import { decodeBlock } from './blocks.js';
import { addEvaluation, emptyPredictorSums, evaluateItem, type PredictorConfig, type PredictorSums } from './models/predictor.js';
import { seriesOf, type Filling } from './series.js';

export interface ShardThreadInput {
  config: PredictorConfig;
  frequency: ForecastFrequency;
  anchorMs: number;
  filling: Filling;
  /** Least time between two progress messages. */
  progressMs: number;
}

export type ShardThreadRequest = { type: 'block'; bytes: Uint8Array } | { type: 'finish' };
export type ShardThreadMessage =
  | { type: 'progress'; done: number }
  | { type: 'lines'; text: string; done: number }
  | { type: 'sums'; sums: PredictorSums; done: number };

const input = workerData as ShardThreadInput;
const port = parentPort!;
let sums = emptyPredictorSums(input.config);
let done = 0;
let lastProgress = Date.now();

port.on('message', (m: ShardThreadRequest) => {
  if (m.type === 'finish') {
    port.postMessage({ type: 'sums', sums, done } satisfies ShardThreadMessage);
    return;
  }
  const block = decodeBlock(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
  const lines: string[] = [];
  for (const it of block.header.items) {
    const series = seriesOf(block, it, { frequency: input.frequency, anchorMs: input.anchorMs, horizon: input.config.horizon, filling: input.filling });
    const ev = evaluateItem(series, input.config, undefined);
    sums = addEvaluation(sums, ev);
    lines.push(JSON.stringify(ev));
    done++;
    if (Date.now() - lastProgress > input.progressMs) {
      lastProgress = Date.now();
      port.postMessage({ type: 'progress', done } satisfies ShardThreadMessage);
    }
  }
  port.postMessage({ type: 'lines', text: lines.join('\n') + '\n', done } satisfies ShardThreadMessage);
});
