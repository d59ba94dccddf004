/**
 * Trains one global model in a worker thread: a DeepAR+ epoch is seconds of synchronous
 * work, which on the server's own event loop would stall the API (`orchard up` runs jobs
 * in-process). Receives the algorithm, the series and the context; posts progress, then
 * the saved model's bytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { forecastModel, type ForecastAlgorithm, type ForecastContext, type SeriesData } from './models/index.js';

export interface TrainThreadInput {
  algorithm: string;
  series: SeriesData[];
  ctx: ForecastContext;
}

export type TrainThreadMessage = { type: 'progress'; epoch: number; epochs: number; loss: number } | { type: 'done'; bytes: Uint8Array };

const input = workerData as TrainThreadInput;
const model = forecastModel(input.algorithm as ForecastAlgorithm);
if (model?.kind !== 'global') throw new Error(`'${input.algorithm}' is not a global model`);
const trained = await model.train(input.series, input.ctx, (p) => parentPort!.postMessage({ type: 'progress', ...p } satisfies TrainThreadMessage));
parentPort!.postMessage({ type: 'done', bytes: trained.save() } satisfies TrainThreadMessage);
