/**
 * `npm run bench -- labeling-auto [--rounds N] [--human-share 0.1] [--accuracy 0.95]`:
 * automated labeling on scikit-learn's digits (1,797 8×8 images, rendered as 32×32 grey
 * PNGs by `bench/peers/labeling_digits.py` in a shuffled order), end to end through
 * `orchard up` (from `dist/`, SQLite + files): the PNGs uploaded as artifacts, a manifest
 * dataset, an `image-classification` job with `autoLabel` (one annotator per item), and a
 * simulated labeler who answers the truth for the first 10 % of the items. Each round
 * (a linear-learner training job on the human labels, the threshold chosen on the held-out
 * ones) labels what it is sure of; with `--rounds N` the labeler answers another batch
 * between rounds. Then the job is stopped, and the machine lines of the output manifest
 * (`human-annotated: no`) are scored against the truth: the share of items labeled by
 * machine and their accuracy (goal: ≥ 95 %). The peer runs the same procedure in
 * scikit-learn (LogisticRegression, same split sizes and threshold rule) on the same items.
 *
 * `--multi-label`: the same digits as a multi-label job with two tags, `even` and `large`
 * (5–9), so a round trains one binary linear-learner per tag; a machine line is right when
 * its whole tag set is. No peer runs in this mode (the peer is single-label).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Orchard } from '../src/sdk/index.js';
import { startServer } from '../test/support/server.js';
import { emit, exec, PYTHON } from './support.js';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function until<T>(fn: () => Promise<T | false>, timeoutMs = 1_800_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function run(args: string[]): Promise<void> {
  const rounds = Number(option(args, '--rounds') ?? 1);
  const share = Number(option(args, '--human-share') ?? 0.1);
  const target = Number(option(args, '--accuracy') ?? 0.95);
  const multiLabel = args.includes('--multi-label');
  /** A digit's tags in the multi-label mode, in class order. */
  const tagsOf = (digit: string) => [...(Number(digit) % 2 === 0 ? ['even'] : []), ...(Number(digit) >= 5 ? ['large'] : [])];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-labeling-auto-'));
  const peerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers', 'labeling_digits.py');
  const peer = JSON.parse((await exec(PYTHON, [peerScript, dir, String(share), String(target)])).trim().split('\n').pop()!);
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as string[];
  const server = await startServer({});
  try {
    const admin = new Orchard({ url: server.url, token: server.adminToken });
    await admin.users.create({ name: 'sim', role: 'labeler' });
    const sim = new Orchard({ url: server.url, token: (await admin.tokens.create({ user: 'sim', name: 'bench' })).token });
    for (let i = 0; i < truth.length; i++) await admin.artifacts.put(`digits/${i}.png`, path.join(dir, 'png', `${i}.png`));
    const manifest = path.join(dir, 'digits.jsonl');
    fs.writeFileSync(manifest, truth.map((t, i) => JSON.stringify({ 'source-ref': `digits/${i}.png`, truth: t })).join('\n') + '\n');
    await admin.datasets.create({ name: 'digits', file: manifest });
    const labels = multiLabel ? ['even', 'large'] : ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const started = Date.now();
    await admin.labeling.create({ name: 'digits', dataset: 'digits', taskType: 'image-classification', labels, ...(multiLabel ? { multiLabel } : {}), autoLabel: true, autoLabelAccuracy: target, autoLabelBatch: share });
    const batch = Math.ceil(share * truth.length);
    let human = 0;
    const perRound: Record<string, unknown>[] = [];
    for (let r = 1; r <= rounds; r++) {
      for (let k = 0; k < batch; k++) {
        const task = await sim.labeling.next('digits');
        if (!task) break;
        await sim.labeling.submit('digits', task.item, multiLabel ? { labels: tagsOf(String(task.source.truth)) } : { label: String(task.source.truth) });
        human++;
      }
      const j = await until(async () => {
        const d = await admin.labeling.describe('digits');
        return (d.autoLabel!.rounds >= r && d.autoLabel!.state === 'Idle') || d.status !== 'InProgress' ? d : false;
      });
      perRound.push({ round: r, human, machine: j.counts.machineLabeled, threshold: j.autoLabel!.threshold, estimated: j.autoLabel!.estimatedAccuracy, note: j.autoLabel!.note, s: (Date.now() - started) / 1000 });
      if (j.status !== 'InProgress') break;
    }
    await admin.labeling.stop('digits');
    const done = await until(async () => {
      const d = await admin.labeling.describe('digits');
      return ['Stopped', 'Completed', 'Failed'].includes(d.status) ? d : false;
    });
    const v = await admin.datasets.describe(done.output!);
    const chunks: Buffer[] = [];
    for await (const c of await admin.artifacts.get(v.sourceUri.slice(v.sourceUri.indexOf('datasets/')))) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, any>);
    const machine = lines.filter((l) => l['digits-metadata']['human-annotated'] === 'no');
    const right = machine.filter((l) =>
      multiLabel ? JSON.stringify((l.digits as number[]).map((k) => labels[k])) === JSON.stringify(tagsOf(String(l.truth))) : l['digits-metadata']['class-name'] === l.truth,
    ).length;
    emit({
      bench: 'labeling-auto',
      scope: `end to end: orchard up (SQLite + files), SDK labeler, linear-learner training jobs${multiLabel ? '; multi-label (even, large), one model per tag' : ''}`,
      items: truth.length,
      human,
      rounds: perRound,
      machine_labeled: machine.length,
      machine_share: machine.length / truth.length,
      machine_accuracy: machine.length ? right / machine.length : null,
      estimated_accuracy: done.autoLabel!.estimatedAccuracy,
      wall_s: (Date.now() - started) / 1000,
      peer: multiLabel ? null : peer,
    });
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
