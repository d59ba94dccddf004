/** For tests: train a built-in on one channel file, silently, into `<dir>/model`. */
import path from 'node:path';
import type { Algorithm, TrainContext } from './algorithm.js';
import { resolveHyperparameters, type HyperparameterInput } from './hyperparameters.js';

export interface QuietTraining {
  /** Folder for the model and checkpoints. */
  dir: string;
  /** The `train` channel's one file. */
  file: string;
  contentType: string;
  /** As a user gives them; defaults are filled in. */
  hyperparameters: Record<string, HyperparameterInput>;
  seed: number;
  /** @default 1 */
  threads?: number;
}

/** Trains `algorithm` with no log or metric output; answers the model folder. */
export async function trainQuietly(algorithm: Algorithm, o: QuietTraining): Promise<string> {
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(algorithm, o.hyperparameters),
    channels: { train: { files: [o.file], contentType: o.contentType } },
    modelDir: path.join(o.dir, 'model'),
    checkpointDir: path.join(o.dir, 'checkpoints'),
    threads: o.threads ?? 1,
    seed: o.seed,
    signal: new AbortController().signal,
    log: () => undefined,
    metric: () => undefined,
  };
  await algorithm.train(ctx);
  return ctx.modelDir;
}
