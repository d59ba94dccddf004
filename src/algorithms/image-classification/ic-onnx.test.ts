import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, openOnnxPredictor } from '../../onnx/index.js';
import { decodeModel } from '../onnx-builder/index.js';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { imageClassification } from './index.js';
import { decodeImageInto } from './image-decode.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ic-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An RGB PNG whose left (class 0) or right (class 1) part is bright, with noise; any size. */
function png(label: number, rng: ReturnType<typeof createRandom>, width: number, height: number): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bright = (x < width / 2) === (label === 0);
      const v = Math.max(0, Math.min(255, (bright ? 170 : 70) + (rng.next() - 0.5) * 120));
      p.data.set([v, Math.max(0, Math.min(255, v + (rng.next() - 0.5) * 60)), 255 - v, 255], (y * width + x) * 4);
    }
  }
  return PNG.sync.write(p);
}

/** Trains a small model on class folders of generated images (two epochs: trained weights and BN statistics). */
async function train(name: string, values: Record<string, string | number>, size: [number, number]): Promise<string> {
  const rng = createRandom(3);
  const root = path.join(tmp, name, 'train');
  for (let i = 0; i < 24; i++) {
    const file = path.join(root, i % 2 === 0 ? 'left' : 'right', `img${i}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, png(i % 2, rng, size[0], size[1]));
  }
  const modelDir = path.join(tmp, name, 'model');
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(imageClassification, { num_classes: 2, num_training_samples: 24, optimizer: 'adam', learning_rate: 0.01, epochs: 2, mini_batch_size: 8, ...values }),
    channels: { train: { files: fs.readdirSync(root).sort().map((f) => path.join(root, f)), contentType: 'application/x-image' } },
    modelDir,
    checkpointDir: path.join(tmp, name, 'checkpoints'),
    threads: 1,
    seed: 9,
    signal: new AbortController().signal,
    log: () => undefined,
    metric: () => undefined,
  };
  await imageClassification.train(ctx);
  return modelDir;
}

/** Channels-first raw pixel rows of decoded images (what `predict` and the ONNX graph read). */
function chwRows(images: Buffer[], c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(images.length * c * h * w);
  const hwc = new Float32Array(h * w * c);
  images.forEach((img, r) => {
    decodeImageInto(img, { channels: c as 1 | 3, height: h, width: w }, hwc);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[r * c * h * w + ch * h * w + p] = hwc[p * c + ch];
  });
  return out;
}

describe('image-classification ONNX export', () => {
  it.each([
    // Three stages with stride-2 shortcuts; odd sides so "same" padding of a stride-2 convolution is uneven.
    ['rgb-8', { image_shape: '3,15,13', num_layers: 8 }, [3, 15, 13], [20, 24]],
    // Four stages (the ImageNet layout) on one grey channel.
    ['grey-18', { image_shape: '1,16,16', num_layers: 18 }, [1, 16, 16], [16, 16]],
  ] as const)('%s: onnxruntime gives the predictor’s probabilities (max abs diff < 1e-4)', async (name, values, [c, h, w], size) => {
    const modelDir = await train(name, values, [size[0], size[1]]);
    const bytes = await exportToOnnx(modelDir, 'image-classification');
    const decoded = decodeModel(bytes);
    expect(decoded.metadata).toMatchObject({ algorithm: 'image-classification', image_shape: `${c},${h},${w}`, num_classes: '2', class_names: '["left","right"]' });
    expect(decoded.outputs.map((o) => o.name)).toEqual(['probabilities']);
    const file = path.join(tmp, `${name}.onnx`);
    fs.writeFileSync(file, bytes);

    const rng = createRandom(17);
    const images = Array.from({ length: 6 }, (_, i) => png(i % 2, rng, size[0] + (i % 3), size[1] + 2 * (i % 2)));
    const rows = chwRows(images, c, h, w);
    const native = await imageClassification.load(modelDir);
    const expected = native.predict(rows, images.length);
    const onnx = await openOnnxPredictor(file);
    try {
      expect(onnx.numFeatures).toBe(c * h * w);
      const got = await onnx.predict(rows, images.length);
      expect(got.outputsPerRow).toBe(2);
      let diff = 0;
      for (let i = 0; i < expected.values.length; i++) diff = Math.max(diff, Math.abs(got.values[i] - expected.values[i]));
      expect(diff).toBeLessThan(1e-4);
      // Trained probabilities, not a constant answer.
      expect(Math.max(...got.values) - Math.min(...got.values)).toBeGreaterThan(0.05);
      // The same as the endpoint's answer to the image itself.
      const answer = JSON.parse(native.invokeImage!({ contentType: 'image/png', accept: 'application/json', body: images[1] }).body) as number[];
      answer.forEach((p, k) => expect(Math.abs(p - got.values[2 + k])).toBeLessThan(1e-4));
    } finally {
      await onnx.close();
    }
  }, 120_000);

  it('refuses a model.json without its statistics, naming what is missing', async () => {
    const modelDir = path.join(tmp, 'rgb-8', 'model');
    const doc = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'model.json'), JSON.stringify({ ...doc, bnStats: {} }));
    await expect(exportToOnnx(broken, 'image-classification')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/stem_bn\.mean/) });
  });
});
