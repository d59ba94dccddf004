import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { imageClassification } from './index.js';
import { readIc } from './ic-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ic-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A 16×16 image whose left (class 0) or right (class 1) half is bright, with noise. */
function pixels(label: number, rng: ReturnType<typeof createRandom>, size = 16): Buffer {
  const data = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const bright = (x < size / 2) === (label === 0);
      const v = Math.max(0, Math.min(255, (bright ? 170 : 70) + (rng.next() - 0.5) * 120));
      const o = (y * size + x) * 4;
      data[o] = v;
      data[o + 1] = Math.max(0, Math.min(255, v + (rng.next() - 0.5) * 40));
      data[o + 2] = v;
      data[o + 3] = 255;
    }
  }
  return data;
}

function png(label: number, rng: ReturnType<typeof createRandom>, size = 16): Buffer {
  const p = new PNG({ width: size, height: size });
  p.data = pixels(label, rng, size);
  return PNG.sync.write(p);
}

function jpg(label: number, rng: ReturnType<typeof createRandom>): Buffer {
  return jpeg.encode({ data: pixels(label, rng), width: 16, height: 16 }, 95).data;
}

function put(dir: string, rel: string, bytes: Buffer | string): string {
  const file = path.join(tmp, dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/** A channel as the algorithm runner gives it: the channel folder's top-level entries. */
function channel(dir: string, contentType = 'application/x-image') {
  const root = path.join(tmp, dir);
  return { files: fs.readdirSync(root).sort().map((f) => path.join(root, f)), contentType };
}

function context(values: Record<string, string | number | boolean>, channels: Record<string, { files: string[]; contentType: string }>, name: string) {
  const points: Record<string, number[]> = {};
  const lines: string[] = [];
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(imageClassification, { num_classes: 2, num_training_samples: 64, image_shape: '3,16,16', num_layers: 8, ...values }),
    channels,
    modelDir: path.join(tmp, 'runs', name, 'model'),
    checkpointDir: path.join(tmp, 'runs', name, 'checkpoints'),
    threads: 1,
    seed: 5,
    signal: new AbortController().signal,
    log: (l) => lines.push(l),
    metric: (metric, value) => (points[metric] ??= []).push(value),
  };
  return { ctx, points, lines };
}

const HP = { optimizer: 'adam', learning_rate: 0.01, epochs: 6, mini_batch_size: 16, top_k: 1 };

describe('image-classification', () => {
  // Folder per class: PNG and JPEG mixed; a held-out folder for validation.
  const rng = createRandom(11);
  for (let i = 0; i < 64; i++) put('folders', `${i % 2 === 0 ? 'left' : 'right'}/img${i}.${i % 4 < 2 ? 'png' : 'jpg'}`, i % 4 < 2 ? png(i % 2, rng) : jpg(i % 2, rng));
  const held: { label: number; bytes: Buffer }[] = [];
  for (let i = 0; i < 32; i++) {
    const bytes = png(i % 2, rng);
    held.push({ label: i % 2, bytes });
    put('held', `${i % 2 === 0 ? 'left' : 'right'}/h${i}.png`, bytes);
  }

  it('learns bright-left from bright-right from class folders, and answers images with probabilities', async () => {
    const { ctx, points } = context(HP, { train: channel('folders'), validation: channel('held') }, 'folders');
    await imageClassification.train(ctx);
    expect(points['train:accuracy']).toHaveLength(6);
    expect(points['validation:accuracy'].at(-1)!).toBeGreaterThanOrEqual(0.9);
    const artifact = await readIc(ctx.modelDir);
    expect(artifact.classNames).toEqual(['left', 'right']);
    expect(artifact.metrics['validation:accuracy']).toBeGreaterThanOrEqual(0.9);

    const predictor = await imageClassification.load(ctx.modelDir);
    let correct = 0;
    for (const h of held) {
      const answer = predictor.invokeImage!({ contentType: 'image/png', accept: undefined, body: h.bytes });
      const probs = JSON.parse(answer.body) as number[];
      expect(probs).toHaveLength(2);
      expect(probs[0] + probs[1]).toBeCloseTo(1, 5);
      if (probs.indexOf(Math.max(...probs)) === h.label) correct++;
    }
    expect(correct / held.length).toBeGreaterThanOrEqual(0.9);

    // Verbose JSON Lines: the predicted label and class, and the top classes.
    const verbose = predictor.invokeImage!({ contentType: 'application/x-image', accept: 'application/jsonlines;verbose;top_k=2', body: held[1].bytes });
    const rec = JSON.parse(verbose.body.trim()) as { prediction: number[]; predicted_label: number; predicted_class: string; top_k: { label: number; class: string; probability: number }[] };
    expect(verbose.contentType).toBe('application/jsonlines');
    expect(rec.predicted_label).toBe(1);
    expect(rec.predicted_class).toBe('right');
    expect(rec.top_k.map((t) => t.label)).toEqual([1, 0]);

    // Rows of raw pixels, channels first (what batch transform sends), answer the same.
    const p = PNG.sync.read(held[0].bytes);
    const chw = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) for (let i = 0; i < 256; i++) chw[c * 256 + i] = p.data[i * 4 + c];
    const { values, outputsPerRow } = predictor.predict(chw, 1);
    expect(outputsPerRow).toBe(2);
    const fromImage = JSON.parse(predictor.invokeImage!({ contentType: 'image/png', accept: 'application/json', body: held[0].bytes }).body) as number[];
    expect(values[0]).toBeCloseTo(fromImage[0], 4);
    expect(() => predictor.invokeImage!({ contentType: 'image/png', accept: undefined, body: Buffer.from('not an image') })).toThrow(/not an image this model reads/);
  }, 300_000);

  it('reads a .lst file and an augmented manifest (attribute_names), is reproducible and resumes', async () => {
    const r = createRandom(3);
    const lst: string[] = [];
    const manifest: string[] = [];
    for (let i = 0; i < 24; i++) {
      put('lst', `images/a${i}.png`, png(i % 2, r));
      lst.push(`${i}\t${i % 2}.000000\timages/a${i}.png`);
      put('manifest', `refs/b${i}.png`, png(i % 2, r));
      manifest.push(JSON.stringify({ 'source-ref': `s3://bucket/refs/b${i}.png`, cls: i % 2, 'cls-metadata': { 'class-name': String(i % 2) } }));
    }
    put('lst', 'train.lst', lst.join('\n') + '\n');
    put('manifest', 'train.manifest', manifest.join('\n') + '\n');

    const small = { ...HP, epochs: 2, num_training_samples: 24 };
    const a = context(small, { train: channel('lst') }, 'lst-a');
    await imageClassification.train(a.ctx);
    const b = context(small, { train: channel('lst') }, 'lst-b');
    await imageClassification.train(b.ctx);
    expect(b.points['train:cross_entropy']).toEqual(a.points['train:cross_entropy']);
    expect((await readIc(b.ctx.modelDir)).weights).toEqual((await readIc(a.ctx.modelDir)).weights);

    // A retried attempt resumes after the last checkpointed epoch and ends where an uninterrupted run ends.
    const c = context({ ...small, epochs: 1 }, { train: channel('lst') }, 'lst-resume');
    await imageClassification.train(c.ctx);
    const d = context(small, { train: channel('lst') }, 'lst-resume');
    await imageClassification.train(d.ctx);
    expect(d.lines.some((l) => /resumed from the checkpoint after epoch 1/.test(l))).toBe(true);
    expect(d.points['train:cross_entropy']).toHaveLength(1);
    expect(d.points['train:cross_entropy'][0]).toBeCloseTo(a.points['train:cross_entropy'][1], 3);

    const m = context({ ...small, attribute_names: 'source-ref,cls' }, { train: channel('manifest', 'application/jsonlines') }, 'manifest');
    await imageClassification.train(m.ctx);
    expect(m.points['train:accuracy']).toHaveLength(2);
    // Without attribute_names the one numeric attribute is the label.
    const auto = context(small, { train: channel('manifest', 'application/jsonlines') }, 'manifest-auto');
    await imageClassification.train(auto.ctx);
    expect(auto.lines.some((l) => /24 images 3×16×16/.test(l))).toBe(true);
  }, 300_000);

  it('refuses an image that does not decode (naming it), a label at or above num_classes, and a malformed image_shape', async () => {
    put('broken', 'left/fine.png', png(0, createRandom(1)));
    put('broken', 'right/broken.png', 'not a png at all');
    await expect(imageClassification.train(context(HP, { train: channel('broken') }, 'broken').ctx)).rejects.toThrow(/the image "right\/broken.png" does not decode/);
    put('label', 'images/x.png', png(0, createRandom(1)));
    put('label', 'train.lst', '0\t2\timages/x.png\n');
    await expect(imageClassification.train(context(HP, { train: channel('label') }, 'label').ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', details: { field: 'num_classes', label: 2 } });
    put('missing', 'train.lst', '0\t1\timages/nowhere.png\n');
    await expect(imageClassification.train(context(HP, { train: channel('missing') }, 'missing').ctx)).rejects.toThrow(/"images\/nowhere.png" is not in the channel/);
    const resolve = (v: Record<string, string | number>) => resolveHyperparameters(imageClassification, { num_classes: 2, num_training_samples: 4, ...v });
    expect(() => resolve({ image_shape: '32,32' })).toThrow(/image_shape/);
    expect(() => resolve({ image_shape: '2,32,32' })).toThrow(/image_shape/);
    expect(() => resolve({ image_shape: '3,4,4' })).toThrow(/image_shape 4×4 is too small/);
    expect(() => resolve({ num_layers: 19 })).toThrow(/num_layers 19 is not one of/);
    expect(resolve({ image_shape: '1,28,28', num_layers: 20 })).toMatchObject({ image_shape: '1,28,28', num_layers: 20 });
  });
});
