import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/core/index.js';
import { openArtifactStore } from '../src/storage/index.js';
import { Orchard } from '../src/sdk/index.js';
import { CaptureProfile } from '../src/monitor/capture-reader.js';
import { checkConstraints, type Constraints } from '../src/monitor/constraints.js';
import type { Statistics } from '../src/monitor/statistics.js';
import { DATA, emit, PYTHON } from './support.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'orchard.js');

/** 24 numeric features (normal, each its own mean and sd) and 4 categorical ones (5 values each). */
const NUMERIC = 24;
const CATEGORICAL = 4;
const FEATURES = [...Array.from({ length: NUMERIC }, (_, i) => `n${i + 1}`), ...Array.from({ length: CATEGORICAL }, (_, i) => `c${i + 1}`)];
const mean = (i: number) => 10 * (i + 1);
const sd = (i: number) => 1 + (i % 5);

/** A seeded generator of rows as CSV text (values from per-feature pools of pre-formatted normals: fast to write 3.6 M rows). */
function rowSource(seed: number, shift: { feature: number; sigmas: number } | null = null) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const POOL = 8192;
  const pools = Array.from({ length: NUMERIC }, (_, i) =>
    Array.from({ length: POOL }, () => {
      const z = Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
      const x = mean(i) + sd(i) * (z + (shift && shift.feature === i ? shift.sigmas : 0));
      return x.toFixed(3);
    }),
  );
  const cats = ['a', 'b', 'c', 'd', 'e'];
  return () => {
    let line = '';
    for (let i = 0; i < NUMERIC; i++) line += pools[i][(next() * POOL) | 0] + ',';
    for (let j = 0; j < CATEGORICAL; j++) line += cats[(next() * next() * 5) | 0] + (j + 1 < CATEGORICAL ? ',' : '');
    return line;
  };
}

/** One capture record in SageMaker's shape (what serving/endpoints/capture.ts writes). */
function captureLine(data: string, id: number, time: string): string {
  return `{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"${data}","encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv","mode":"OUTPUT","data":"0.5","encoding":"CSV"}},"eventMetadata":{"eventId":"00000000-0000-4000-8000-${String(id).padStart(12, '0')}","inferenceTime":"${time}"},"eventVersion":"0"}`;
}

/** An hour of capture at `rate` requests/s, one file per minute, in a local folder (made once). */
async function writeCapture(folder: string, hourStart: number, rate: number): Promise<string[]> {
  const files = Array.from({ length: 60 }, (_, m) => path.join(folder, `${String(m).padStart(2, '0')}.jsonl`));
  if (files.every((f) => fs.existsSync(f))) return files;
  fs.mkdirSync(folder, { recursive: true });
  const row = rowSource(42);
  let id = 0;
  for (let m = 0; m < 60; m++) {
    const out = fs.createWriteStream(files[m]);
    const perMinute = rate * 60;
    let buf = '';
    for (let k = 0; k < perMinute; k++) {
      buf += captureLine(row(), id++, new Date(hourStart + m * 60_000 + Math.floor((k * 60_000) / perMinute)).toISOString()) + '\n';
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = '';
      }
    }
    out.end(buf);
    await new Promise<void>((r) => out.once('finish', () => r()));
  }
  return files;
}

/** The same statistics and checks in pandas/numpy, streaming the capture in chunks (as the peer would have to for 3.6 M records). */
const PEER = `
import json, sys, time, resource, io
import numpy as np, pandas as pd
files, base_csv, n_num, n_cat = sys.argv[1].split(','), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
base = pd.read_csv(base_csv)
feats = [c for c in base.columns if c != 'y']
num, cat = feats[:n_num], feats[n_num:]
base_sorted = {c: np.sort(base[c].dropna().to_numpy()) for c in num}
# Fixed bins on the baseline's quantiles: the current CDF is read at these edges (a KS distance at 1000 points).
edges = {c: np.quantile(base_sorted[c], np.linspace(0, 1, 1001)) for c in num}
base_cdf = {c: np.searchsorted(base_sorted[c], edges[c], side='right') / len(base_sorted[c]) for c in num}
base_share = {c: base[c].value_counts(normalize=True) for c in cat}
cnt = {c: 0 for c in feats}; miss = {c: 0 for c in feats}; s1 = {c: 0.0 for c in num}; s2 = {c: 0.0 for c in num}
mn = {c: np.inf for c in num}; mx = {c: -np.inf for c in num}; hist = {c: np.zeros(1001) for c in num}; cats = {c: pd.Series(dtype='int64') for c in cat}
items = 0
for f in files:
    with open(f) as fh:
        while True:
            lines = fh.readlines(64 << 20)
            if not lines: break
            data = '\\n'.join(json.loads(l)['captureData']['endpointInput']['data'] for l in lines)
            df = pd.read_csv(io.StringIO(data), header=None, names=feats)
            items += len(df)
            for c in num:
                v = df[c].to_numpy(dtype='float64'); ok = ~np.isnan(v); x = v[ok]
                cnt[c] += int(ok.sum()); miss[c] += int((~ok).sum()); s1[c] += float(x.sum()); s2[c] += float((x * x).sum())
                if len(x): mn[c] = min(mn[c], float(x.min())); mx[c] = max(mx[c], float(x.max()))
                hist[c] += np.bincount(np.searchsorted(edges[c], x, side='right'), minlength=1002)[:1001] if len(x) else 0
            for c in cat:
                cats[c] = cats[c].add(df[c].value_counts(), fill_value=0)
violations = []
for c in num:
    m = s1[c] / cnt[c]; std = (s2[c] / cnt[c] - m * m) ** 0.5
    cur_cdf = np.cumsum(hist[c]) / cnt[c]
    d = float(np.max(np.abs(cur_cdf - base_cdf[c])))
    if d > 0.1: violations.append((c, 'baseline_drift_check'))
    if miss[c] > 0: violations.append((c, 'completeness_check'))
for c in cat:
    share = cats[c] / cats[c].sum()
    d = float((share.reindex(share.index.union(base_share[c].index), fill_value=0) - base_share[c].reindex(share.index.union(base_share[c].index), fill_value=0)).abs().max())
    if d > 0.1: violations.append((c, 'baseline_drift_check'))
    if (~share.index.isin(base_share[c].index)).any(): violations.append((c, 'categorical_values_check'))
print(json.dumps({"s": time.perf_counter() - t0, "items": items, "violations": len(violations), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "version": "pandas " + pd.__version__ + " + numpy " + np.__version__}))
`;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function startServer(home: string): Promise<{ url: string; token: string; child: ChildProcess }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORCHARD_')));
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--home', home, '--json'], { env: { ...env, ORCHARD_WORKER_CPUS: '2' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`orchard up exited with ${code}`)));
  });
  const facts = JSON.parse(line) as { url: string; adminToken: string | null };
  return { url: facts.url, token: facts.adminToken ?? fs.readFileSync(path.join(home, 'admin-token'), 'utf8').trim(), child };
}

const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function readJson<T>(sdk: Orchard, key: string): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const c of await sdk.artifacts.get(key)) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

/**
 * `npm run bench -- monitor [--rate 1000] [--windows 100] [--window-rows 10000]`: an hour
 * of capture at `rate` requests/s (28 features) in one monitoring execution through the
 * platform (`orchard up` in a child process: time, and the server's peak RSS from
 * /proc), against the same statistics and checks in pandas/numpy; then drift detection on
 * generated windows: a 0.3σ mean shift in one feature, and windows without drift.
 */
export async function run(args: string[]): Promise<void> {
  const rate = arg(args, '--rate', 1000);
  const windows = arg(args, '--windows', 100);
  const windowRows = arg(args, '--window-rows', 10_000);
  const hourStart = Date.UTC(2026, 0, 5, 10);
  const folder = path.join(DATA, `monitor-capture-${rate}`);
  let t = performance.now();
  const local = await writeCapture(folder, hourStart, rate);
  emit({ task: 'monitor', step: 'capture files', records: rate * 3600, bytes: local.reduce((n, f) => n + fs.statSync(f).size, 0), made_s: (performance.now() - t) / 1000 });

  // The baseline dataset: 100 000 rows of the same generator, and a label.
  const baseCsv = path.join(DATA, 'monitor-baseline.csv');
  if (!fs.existsSync(baseCsv)) {
    const row = rowSource(7);
    const lines = [[...FEATURES, 'y'].join(',')];
    for (let i = 0; i < 100_000; i++) lines.push(`${row()},${i % 2}`);
    fs.writeFileSync(baseCsv, lines.join('\n') + '\n');
  }

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-monitor-'));
  const server = await startServer(home);
  try {
    const sdk = new Orchard({ url: server.url, token: server.token });
    await sdk.datasets.create({ name: 'base', file: baseCsv, header: true });
    await sdk.monitor.baselines.create({ name: 'base', dataset: 'base', target: 'y' });
    const baseline = await sdk.monitor.baselines.waitFor('base', { pollMs: 100 });
    if (baseline.status !== 'Completed') throw new Error(`baseline failed: ${baseline.failureReason}`);
    // An endpoint with capture on (a small model of the baseline's label) to hang the schedule on.
    await sdk.datasets.create({ name: 'small', file: await smallTrainCsv(), header: false });
    const job = await sdk.training.create({ name: 'bench-mon', algorithm: 'xgboost', channels: { train: 'small' }, hyperParameters: { objective: 'binary:logistic', num_round: '2' } });
    const trained = await sdk.training.waitFor(job.name, { pollMs: 200 });
    if (trained.status !== 'Completed') throw new Error(`training failed: ${trained.failureReason}`);
    await sdk.models.create({ name: 'bench-mon', fromJob: 'bench-mon' });
    await sdk.endpoints.create({ name: 'bench-ep', model: 'bench-mon', capturePercent: 100 });
    for (let i = 0; i < 600 && (await sdk.endpoints.describe('bench-ep')).status !== 'InService'; i++) await new Promise((r) => setTimeout(r, 200));
    await sdk.monitor.schedules.create({ name: 'bench', endpoint: 'bench-ep', baseline: 'base' });

    // The hour's capture into the artifact store where the endpoint's own capture goes.
    const artifacts = await openArtifactStore(resolveConfig({ home }));
    const hh = new Date(hourStart).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/');
    for (const [m, f] of local.entries()) await artifacts.put(`endpoints/bench-ep/capture/AllTraffic/${hh}/${String(m).padStart(2, '0')}-00-000-bench.jsonl`, fs.createReadStream(f));
    await artifacts.close();

    // Peak RSS from here on (clear_refs 5 resets the high-water mark of the process).
    fs.writeFileSync(`/proc/${server.child.pid}/clear_refs`, '5');
    const rssBefore = peakRssMb(server.child.pid!);
    t = performance.now();
    const started = await sdk.monitor.schedules.run('bench', { since: new Date(hourStart).toISOString(), until: new Date(hourStart + 3_600_000).toISOString() });
    const done = await sdk.monitor.executions.waitFor(started.id, { pollMs: 100 });
    const execS = (performance.now() - t) / 1000;
    emit({ task: 'monitor', peer: 'orchard', records: rate * 3600, items: done.items, status: done.status, violations: done.violationCount, execution_s: execS, records_per_s: Math.round((rate * 3600) / execS), server_peak_rss_mb: Math.round(peakRssMb(server.child.pid!)), server_rss_before_mb: Math.round(rssBefore) });

    // The peer over the same files.
    const py = spawnSync(PYTHON, ['-c', PEER, local.join(','), baseCsv, String(NUMERIC), String(CATEGORICAL)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (py.status !== 0) emit({ task: 'monitor', peer: 'pandas', error: py.stderr.slice(-500) });
    else {
      const peer = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { s: number; items: number; violations: number; peak_rss_mb: number; version: string };
      emit({ task: 'monitor', peer: peer.version, items: peer.items, violations: peer.violations, execution_s: peer.s, peak_rss_mb: Math.round(peer.peak_rss_mb) });
      emit({ task: 'monitor', ratio_vs_peer: execS / peer.s });
    }

    // Drift detection with the execution's own code on windows of generated traffic.
    const stats = await readJson<Statistics>(sdk, baseline.statistics!);
    const constraints = await readJson<Constraints>(sdk, baseline.constraints!);
    const windowViolations = (seed: number, shift: { feature: number; sigmas: number } | null) => {
      const row = rowSource(seed, shift);
      const p = new CaptureProfile(stats.features);
      for (let i = 0; i < windowRows; i++) p.addRecord(captureLine(row(), i, '2026-01-05T10:00:00.000Z'));
      return checkConstraints(stats, constraints, p).violations;
    };
    let falseWindows = 0;
    let falseViolations = 0;
    let detected = 0;
    let wrongFeature = 0;
    t = performance.now();
    for (let w = 0; w < windows; w++) {
      const clean = windowViolations(1000 + w, null);
      if (clean.length) falseWindows++;
      falseViolations += clean.length;
      const shifted = windowViolations(5000 + w, { feature: 3, sigmas: 0.3 });
      if (shifted.some((v) => v.feature_name === 'n4' && v.constraint_check_type === 'baseline_drift_check')) detected++;
      if (shifted.some((v) => v.feature_name !== 'n4')) wrongFeature++;
    }
    emit({ task: 'monitor-drift', window_rows: windowRows, windows, shift: '0.3 sd in n4', detected_windows: detected, detection_rate: detected / windows, other_feature_flags: wrongFeature, clean_windows_with_violations: falseWindows, false_violation_rate: falseWindows / windows, false_violations: falseViolations, checks_per_window: FEATURES.length, s: (performance.now() - t) / 1000 });
  } finally {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** 1000 rows of the baseline's features, label first, no header (the built-ins' CSV). */
async function smallTrainCsv(): Promise<string> {
  const file = path.join(DATA, 'monitor-small-train.csv');
  if (!fs.existsSync(file)) {
    const row = rowSource(3);
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = row().split(',');
      lines.push([Number(r[0]) > 10 ? 1 : 0, ...r.slice(0, NUMERIC)].join(','));
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }
  return file;
}
