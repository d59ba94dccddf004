/**
 * `npm run bench -- image-classification [--epochs E] [--batch B] [--lr R] [--no-peer] [--no-e2e]`:
 * scikit-learn's digits upscaled to 32×32 grey PNGs (1437 training, 360 held out; made by
 * `peers/image_classification_peer.py`), num_layers=8, Adam, no augmentation. Three figures:
 * - in-process: `imageClassification.train` on the PNG class folders (one thread, no
 *   server), accuracy of its predictor on the 360, median seconds per epoch;
 * - end to end: the PNGs uploaded under an artifact prefix to `orchard up` from the build,
 *   a training job (`artifacts:<prefix>`) through the server; its wall time per epoch
 *   (job start to end over epochs, so decoding and the worker's start are in it) and its
 *   last `train:accuracy`;
 * - the peer: Debian's PyTorch with the same network and hyperparameters, one thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { TrainContext } from '../src/algorithms/algorithm.js';
import { resolveHyperparameters } from '../src/algorithms/hyperparameters.js';
import { imageClassification } from '../src/algorithms/image-classification/index.js';
import { Orchard } from '../src/sdk/index.js';
import { startOrchardUp, stopChild } from './serve-support.js';
import { DATA, PYTHON, emit, exec, median } from './support.js';

const PEER = path.join(path.dirname(new URL(import.meta.url).pathname), 'peers', 'image_classification_peer.py');
const TRAIN = 1437;

function opt(args: string[], name: string, dflt: number): number {
  return args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt;
}

function png(pixels: Uint8Array): Buffer {
  const p = new PNG({ width: 32, height: 32 });
  pixels.forEach((v, i) => p.data.set([v, v, v, 255], i * 4));
  return PNG.sync.write(p);
}

export async function run(args: string[]): Promise<void> {
  const epochs = opt(args, '--epochs', 5);
  const batch = opt(args, '--batch', 32);
  const lr = opt(args, '--lr', 0.01);
  const dir = path.join(DATA, 'ic_digits');
  if (!fs.existsSync(path.join(dir, 'images.u8'))) await exec(PYTHON, [PEER, 'make', dir]);
  const images = new Uint8Array(fs.readFileSync(path.join(dir, 'images.u8')));
  const labels = new Uint8Array(fs.readFileSync(path.join(dir, 'labels.u8')));
  const rows = labels.length;
  const folders = path.join(dir, 'train');
  if (!fs.existsSync(folders)) {
    for (let i = 0; i < TRAIN; i++) {
      fs.mkdirSync(path.join(folders, String(labels[i])), { recursive: true });
      fs.writeFileSync(path.join(folders, String(labels[i]), `${String(i).padStart(4, '0')}.png`), png(images.subarray(i * 1024, (i + 1) * 1024)));
    }
  }
  const hp = { num_classes: 10, num_training_samples: TRAIN, image_shape: '1,32,32', num_layers: 8, epochs, mini_batch_size: batch, optimizer: 'adam', learning_rate: lr, weight_decay: 0.0001 };
  const common = { task: 'image-classification', data: 'sklearn digits upscaled to 32x32 grey, 1437 train / 360 test', num_layers: 8, epochs, mini_batch_size: batch, learning_rate: lr, optimizer: 'adam', threads: 1, load: os.loadavg()[0] };

  // In process.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ic-bench-'));
  const ends: number[] = [];
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(imageClassification, hp),
    channels: { train: { files: fs.readdirSync(folders).sort().map((f) => path.join(folders, f)), contentType: 'application/x-image' } },
    modelDir: path.join(work, 'model'),
    checkpointDir: path.join(work, 'checkpoints'),
    threads: 1,
    seed: 0,
    signal: new AbortController().signal,
    log: () => undefined,
    metric: (name) => {
      if (name === 'train:accuracy') ends.push(performance.now());
    },
  };
  const t0 = performance.now();
  await imageClassification.train(ctx);
  const trainS = (performance.now() - t0) / 1000;
  const predictor = await imageClassification.load(ctx.modelDir);
  const test = Float32Array.from(images.subarray(TRAIN * 1024));
  const { values } = predictor.predict(test, rows - TRAIN);
  let correct = 0;
  for (let r = 0; r < rows - TRAIN; r++) {
    const p = Array.from(values.subarray(r * 10, (r + 1) * 10));
    if (p.indexOf(Math.max(...p)) === labels[TRAIN + r]) correct++;
  }
  const epochS = median(ends.slice(1).map((t, i) => (t - ends[i]) / 1000));
  const ours = { accuracy: correct / (rows - TRAIN), epochS };
  emit({ ...common, peer: 'orchard image-classification', basis: 'in-process: the algorithm on one thread, no server', metric_name: 'test_accuracy', metric: ours.accuracy, epoch_s: epochS, train_s: trainS });
  fs.rmSync(work, { recursive: true, force: true });

  // End to end through `orchard up`.
  let e2e: { epochS: number; trainAccuracy: number } | null = null;
  if (!args.includes('--no-e2e')) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ic-bench-home-'));
    const up = await startOrchardUp(home);
    try {
      const sdk = new Orchard({ url: up.url, token: up.token });
      for (const cls of fs.readdirSync(folders)) for (const f of fs.readdirSync(path.join(folders, cls))) await sdk.artifacts.put(`digits/train/${cls}/${f}`, path.join(folders, cls, f));
      await sdk.training.create({ name: 'ic-bench', algorithm: 'image-classification', channels: { train: 'artifacts:digits/train/' }, hyperParameters: Object.fromEntries(Object.entries(hp).map(([k, v]) => [k, String(v)])), cpus: 1 });
      const job = await sdk.training.waitFor('ic-bench');
      const accuracy = (job.metrics ?? []).filter((p: { name: string }) => p.name === 'train:accuracy').map((p: { value: number }) => p.value);
      const wall = (Date.parse(job.endedAt!) - Date.parse(job.startedAt!)) / 1000;
      e2e = { epochS: wall / epochs, trainAccuracy: accuracy.at(-1) ?? NaN };
      emit({ ...common, peer: 'orchard image-classification (end to end)', basis: 'orchard up from the build: artifact prefix channel, a training job; job wall time / epochs (decoding and the worker start included)', status: job.status, metric_name: 'train_accuracy_last_epoch', metric: e2e.trainAccuracy, epoch_s: e2e.epochS, train_s: wall });
    } finally {
      await stopChild(up.child);
      fs.rmSync(home, { recursive: true, force: true });
    }
  }

  if (args.includes('--no-peer')) return;
  const line = JSON.parse((await exec(PYTHON, [PEER, 'train', dir, String(epochs), String(lr), String(batch), '1'])).trim().split('\n').pop()!) as { accuracy: number; epoch_s: number; torch: string };
  emit({ ...common, peer: `pytorch ${line.torch}`, metric_name: 'test_accuracy', metric: line.accuracy, epoch_s: line.epoch_s });
  emit({
    task: 'image-classification',
    compare: 'orchard image-classification vs PyTorch (same ResNet-8, Adam, one thread)',
    accuracy_points: 100 * (ours.accuracy - line.accuracy),
    epoch_time_ratio_in_process: ours.epochS / line.epoch_s,
    ...(e2e ? { epoch_time_ratio_end_to_end: e2e.epochS / line.epoch_s } : {}),
    goal: 'accuracy within 1 point',
    load: os.loadavg()[0],
  });
}
