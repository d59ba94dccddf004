/**
 * image-classification end to end through the CLI on the built server: trains on PNG
 * class folders stored under an artifact prefix (`--train artifacts:<prefix>`), deploys,
 * answers a PNG with class probabilities (and the verbose JSON Lines record), and
 * batch-transforms a CSV dataset of pixel rows; an image that does not decode fails the
 * job naming it, and a malformed image_shape is refused before the job.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { mulberry32 as random } from '../support/random.js';

const SIZE = 16;

/** Grey levels of a 16×16 image whose left (class 0) or right (class 1) half is bright. */
function grey(label: number, next: () => number): number[] {
  return Array.from({ length: SIZE * SIZE }, (_, i) => {
    const bright = (i % SIZE < SIZE / 2) === (label === 0);
    return Math.round(Math.max(0, Math.min(255, (bright ? 170 : 70) + (next() - 0.5) * 120)));
  });
}

function png(levels: number[]): Buffer {
  const p = new PNG({ width: SIZE, height: SIZE });
  levels.forEach((v, i) => p.data.set([v, v, v, 255], i * 4));
  return PNG.sync.write(p);
}

const HP = ['num_classes=2', 'num_training_samples=40', 'image_shape=1,16,16', 'num_layers=8', 'epochs=6', 'optimizer=adam', 'learning_rate=0.01', 'mini_batch_size=8'];
const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

describe.each(backends)('image-classification through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const next = random(7);
  const held = Array.from({ length: 10 }, (_, i) => ({ label: i % 2, levels: grey(i % 2, next) }));
  const post = (endpoint: string, body: Buffer, contentType: string, accept?: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType, ...(accept ? { accept } : {}) }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-ic-'));
    const sdk = new Orchard(admin);
    const upload = async (key: string, bytes: Buffer | string) => {
      const file = path.join(dir, key.replace(/\//g, '_'));
      fs.writeFileSync(file, bytes);
      await sdk.artifacts.put(key, file);
    };
    for (let i = 0; i < 40; i++) await upload(`ic/train/${i % 2 === 0 ? 'left' : 'right'}/img${i}.png`, png(grey(i % 2, next)));
    await upload('ic-broken/left/fine.png', png(grey(0, next)));
    await upload('ic-broken/right/broken.png', 'not an image');
    // Pixel rows, channels first (one grey channel): what batch transform sends the model.
    const csv = path.join(dir, 'ic-pixels.csv');
    fs.writeFileSync(csv, held.map((h) => h.levels.join(',')).join('\n') + '\n');
    const res = await cli(['datasets', 'create', 'ic-pixels', '--file', csv, '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains on class folders under an artifact prefix, answers a PNG, and batch-transforms pixel rows', async () => {
    const job = await cli(['train', '--name', 'ic1', '--algorithm', 'image-classification', '--train', 'artifacts:ic/train/', ...hps(HP), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status, job.json.failureReason).toBe('Completed');
    const accuracy = job.json.metrics.filter((p: { name: string }) => p.name === 'train:accuracy').map((p: { value: number }) => p.value);
    expect(accuracy).toHaveLength(6);
    expect((await cli(['models', 'create', 'ic-m', '--from-job', 'ic1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'ic-e', '--variant', 'A:ic-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);

    let correct = 0;
    for (const h of held) {
      const r = await post('ic-e', png(h.levels), 'image/png');
      expect(r.status).toBe(200);
      const probs = (await r.json()) as number[];
      expect(probs).toHaveLength(2);
      expect(probs[0] + probs[1]).toBeCloseTo(1, 4);
      if (probs.indexOf(Math.max(...probs)) === h.label) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(9);
    const verbose = await post('ic-e', png(held[1].levels), 'application/x-image', 'application/jsonlines;verbose');
    expect(verbose.headers.get('content-type')).toMatch(/application\/jsonlines/);
    const rec = JSON.parse((await verbose.text()).trim()) as { predicted_label: number; predicted_class: string; top_k: { label: number }[] };
    expect(rec.predicted_class).toBe('right');
    expect(rec.top_k).toHaveLength(2);
    const bad = await post('ic-e', Buffer.from('not an image'), 'image/jpeg');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/not an image this model reads/);

    const t = await cli(['transform', '--name', 'ic-t', '--model', 'ic-m', '--input', 'ic-pixels', '--output', 'ic-scored', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT prediction_0, prediction_1 FROM "ic-scored"', { pageSize: 100 });
    expect(page.rows).toHaveLength(held.length);
    const agree = page.rows.filter((row, i) => (Number(row.prediction_1) > Number(row.prediction_0) ? 1 : 0) === held[i].label).length;
    expect(agree).toBeGreaterThanOrEqual(9);
  });

  it('fails a job on an image that does not decode, naming it, and refuses a malformed image_shape', async () => {
    const broken = await cli(['train', '--name', 'ic-bad1', '--algorithm', 'image-classification', '--train', 'artifacts:ic-broken/', ...hps(HP), '--wait', '--json'], admin);
    expect(broken.json.status).toBe('Failed');
    expect(broken.json.failureReason).toMatch(/the image "right\/broken.png" does not decode/);
    const shape = await cli(['train', '--name', 'ic-bad2', '--algorithm', 'image-classification', '--train', 'artifacts:ic/train/', ...hps(['num_classes=2', 'num_training_samples=40', 'image_shape=3,32']), '--json'], admin);
    expect(shape.code).not.toBe(0);
    expect(shape.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    const none = await cli(['train', '--name', 'ic-bad3', '--algorithm', 'image-classification', '--train', 'artifacts:nothing-here/', ...hps(HP), '--json'], admin);
    expect(none.json.code).toBe('ORCH_TRAINING_DATA_INVALID');
  });
});
