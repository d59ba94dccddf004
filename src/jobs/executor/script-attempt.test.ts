import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runScriptAttempt, type ScriptAttemptSpec } from './script-attempt.js';

let base: string;
let n = 0;

beforeEach(() => {
  // Attempts may run as an unprivileged user: their parent folder must be traversable.
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-attempt-'));
  fs.chmodSync(base, 0o711);
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

function source(files: Record<string, string>): string {
  const dir = path.join(base, `src-${n++}`);
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function trainCsv(): string {
  const file = path.join(base, 'train.csv');
  fs.writeFileSync(file, '1,0.5,2\n0,0.1,3\n1,0.9,1\n');
  return file;
}

function spec(over: Partial<ScriptAttemptSpec> & Pick<ScriptAttemptSpec, 'sourceDir' | 'entryPoint'>): ScriptAttemptSpec {
  return { jobName: 'job-1', root: path.join(base, `attempt-${n++}`), hyperparameters: {}, channels: {}, ...over };
}

/** Alive and not a zombie (a killed orphan may wait to be reaped by init). */
const isAlive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('script-mode attempts', () => {
  it('gives a JavaScript entry point the SageMaker layout, environment and arguments, and packs model/', async () => {
    process.env.ORCHARD_TOKEN = 'secret-platform-token';
    const dir = source({
      'train.js': `
        const fs = require('node:fs'); const path = require('node:path');
        const rows = fs.readFileSync(path.join(process.env.SM_CHANNEL_TRAIN, 'train.csv'), 'utf8').trim().split('\\n');
        const seen = { args: process.argv.slice(2), rows: rows.length, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SM_') || k.startsWith('ORCHARD') || k.startsWith('AWS'))),
          hps: JSON.parse(fs.readFileSync(path.join(process.env.SM_INPUT_CONFIG_DIR, 'hyperparameters.json'), 'utf8')), uid: process.getuid() };
        fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.json'), JSON.stringify(seen));
        for (let e = 1; e <= 3; e++) console.log('epoch=' + e + ' loss=' + (1 / e).toFixed(3));
      `,
    });
    const lines: string[] = [];
    const metrics: Array<[string, number]> = [];
    const res = await runScriptAttempt(
      spec({
        sourceDir: dir,
        entryPoint: 'train.js',
        hyperparameters: { epochs: '3', optimizer: 'adam' },
        channels: { train: { contentType: 'text/csv', files: [trainCsv()] } },
        metricDefinitions: [{ name: 'train:loss', regex: 'loss=([0-9.]+)' }],
        onLog: (l) => lines.push(l),
        onMetric: (name, value) => metrics.push([name, value]),
      }),
    );
    delete process.env.ORCHARD_TOKEN;
    expect(res.status, res.failureReason ?? '').toBe('Completed');
    expect(metrics).toEqual([['train:loss', 1], ['train:loss', 0.5], ['train:loss', 0.333]]);
    expect(lines).toContain('epoch=3 loss=0.333');
    const listing = execFileSync('tar', ['-tzf', res.modelArchive!], { encoding: 'utf8' });
    expect(listing.split('\n')).toContain('model.json');
    const seen = JSON.parse(fs.readFileSync(path.join(res.workDir.modelDir, 'model.json'), 'utf8'));
    expect(seen.args).toEqual(['--epochs', '3', '--optimizer', 'adam']);
    expect(seen.rows).toBe(3);
    expect(seen.hps).toEqual({ epochs: '3', optimizer: 'adam' });
    expect(seen.env).toMatchObject({
      SM_MODEL_DIR: res.workDir.modelDir,
      SM_CHANNELS: '["train"]',
      SM_CHANNEL_TRAIN: res.workDir.channelDir('train'),
      SM_HP_EPOCHS: '3',
      SM_HP_OPTIMIZER: 'adam',
      SM_OUTPUT_DATA_DIR: res.workDir.outputDataDir,
      SM_CHECKPOINT_DIR: res.workDir.checkpointDir,
    });
    expect(JSON.parse(seen.env.SM_HPS)).toEqual({ epochs: 3, optimizer: 'adam' });
    expect(JSON.parse(seen.env.SM_TRAINING_ENV)).toMatchObject({ job_name: 'job-1', hyperparameters: { epochs: 3 }, channel_input_dirs: { train: res.workDir.channelDir('train') } });
    expect(Number(seen.env.SM_NUM_CPUS)).toBeGreaterThan(0);
    expect(Object.keys(seen.env).filter((k) => k.startsWith('ORCHARD') || k.startsWith('AWS'))).toEqual([]);
    if (process.getuid?.() === 0) expect(seen.uid).toBe(65534);
    for (const f of ['hyperparameters.json', 'inputdataconfig.json', 'resourceconfig.json']) expect(fs.existsSync(path.join(res.workDir.configDir, f))).toBe(true);
  });

  it('moves a channel\'s scratch files into input/data when told to, and copies them otherwise', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'src-'));
    fs.writeFileSync(path.join(dir, 'train.js'), `const fs = require('node:fs'); const p = require('node:path'); for (const c of ['a', 'b']) console.log(c + '=' + fs.readFileSync(p.join(process.env['SM_CHANNEL_' + c.toUpperCase()], c + '.csv'), 'utf8').trim()); fs.writeFileSync(p.join(process.env.SM_MODEL_DIR, 'm.txt'), 'ok');`);
    const scratch = fs.mkdtempSync(path.join(base, 'in-'));
    const [a, b] = ['a', 'b'].map((c) => {
      fs.writeFileSync(path.join(scratch, `${c}.csv`), `${c},1\n`);
      return path.join(scratch, `${c}.csv`);
    });
    const lines: string[] = [];
    const res = await runScriptAttempt(spec({ sourceDir: dir, entryPoint: 'train.js', channels: { a: { contentType: 'text/csv', files: [a], move: true }, b: { contentType: 'text/csv', files: [b] } }, onLog: (l) => lines.push(l) }));
    expect(res.status, res.failureReason ?? '').toBe('Completed');
    expect(lines).toEqual(expect.arrayContaining(['a=a,1', 'b=b,1']));
    expect(fs.existsSync(a)).toBe(false);
    expect(fs.existsSync(b)).toBe(true);
  });

  it('runs an unchanged SageMaker-style Python script', async () => {
    const dir = source({
      'train.py': `
import argparse, csv, json, os
parser = argparse.ArgumentParser()
parser.add_argument('--alpha', type=float, default=1.0)
parser.add_argument('--model-dir', type=str, default=os.environ['SM_MODEL_DIR'])
parser.add_argument('--train', type=str, default=os.environ['SM_CHANNEL_TRAIN'])
args = parser.parse_args()
rows = [list(map(float, r)) for f in os.listdir(args.train) for r in csv.reader(open(os.path.join(args.train, f)))]
mean = sum(r[0] for r in rows) / len(rows)
json.dump({'alpha': args.alpha, 'mean': mean}, open(os.path.join(args.model_dir, 'model.json'), 'w'))
print('train_mean=%.4f' % mean)
`,
    });
    const metrics: number[] = [];
    const res = await runScriptAttempt(
      spec({ sourceDir: dir, entryPoint: 'train.py', hyperparameters: { alpha: '0.5' }, channels: { train: { contentType: 'text/csv', files: [trainCsv()] } }, metricDefinitions: [{ name: 'train:mean', regex: 'train_mean=([0-9.]+)' }], onMetric: (_n, v) => metrics.push(v) }),
    );
    expect(res.status, res.failureReason ?? '').toBe('Completed');
    expect(JSON.parse(fs.readFileSync(path.join(res.workDir.modelDir, 'model.json'), 'utf8'))).toEqual({ alpha: 0.5, mean: 2 / 3 });
    expect(metrics).toEqual([0.6667]);
  });

  it('runs a TypeScript entry point', async () => {
    const dir = source({ 'train.ts': "import fs from 'node:fs';\nconst epochs: number = Number(process.argv[3]);\nfs.writeFileSync(`${process.env.SM_MODEL_DIR}/epochs.txt`, String(epochs * 2));\n" });
    const res = await runScriptAttempt(spec({ sourceDir: dir, entryPoint: 'train.ts', hyperparameters: { epochs: '4' } }));
    expect(res.status, res.failureReason ?? '').toBe('Completed');
    expect(fs.readFileSync(path.join(res.workDir.modelDir, 'epochs.txt'), 'utf8')).toBe('8');
  });

  it('takes the failure reason from output/failure, else from the last log lines', async () => {
    const written = await runScriptAttempt(spec({ sourceDir: source({ 'f.js': "require('node:fs').writeFileSync(process.env.SM_OUTPUT_DIR + '/failure', 'ValueError: bad column 3'); process.exit(2);" }), entryPoint: 'f.js' }));
    expect(written).toMatchObject({ status: 'Failed', failureReason: 'ValueError: bad column 3', modelArchive: null });
    const crashed = await runScriptAttempt(spec({ sourceDir: source({ 'c.js': "console.log('loading'); console.error('Error: out of cheese'); process.exit(3);" }), entryPoint: 'c.js' }));
    expect(crashed.status).toBe('Failed');
    expect(crashed.failureReason).toContain('exited with code 3');
    expect(crashed.failureReason).toContain('Error: out of cheese');
  });

  it('stops at the time limit and leaves no process of the attempt behind', async () => {
    const dir = source({
      'hang.js': "const { spawn } = require('node:child_process'); const c = spawn('sleep', ['1000'], { stdio: 'ignore' }); require('node:fs').writeFileSync('child.pid', String(c.pid)); console.log('started'); setInterval(() => {}, 1000);",
    });
    const res = await runScriptAttempt(spec({ sourceDir: dir, entryPoint: 'hang.js', timeLimitMs: 1500 }));
    expect(res).toMatchObject({ status: 'Stopped', secondaryStatus: 'MaxRuntimeExceeded' });
    const pid = Number(fs.readFileSync(path.join(path.dirname(res.workDir.modelDir), 'code', 'child.pid'), 'utf8'));
    expect(isAlive(pid)).toBe(false);
  });

  it('stops on request and caps a log that never ends while the job stays controllable', async () => {
    const controller = new AbortController();
    let received = 0;
    let truncatedNote = false;
    const res = await runScriptAttempt(
      spec({
        sourceDir: source({ 'spam.py': "while True:\n    print('x' * 100)\n" }),
        entryPoint: 'spam.py',
        maxLogBytes: 64 * 1024,
        signal: controller.signal,
        onLog: (line) => {
          received++;
          if (line.startsWith('[log truncated')) {
            truncatedNote = true;
            controller.abort();
          }
        },
      }),
    );
    expect(res).toMatchObject({ status: 'Stopped', secondaryStatus: 'Stopped', logTruncated: true });
    expect(truncatedNote).toBe(true);
    expect(received).toBeLessThan(1000);
  });

  it('refuses a metric definition without a capture group and an unknown entry point type', async () => {
    const dir = source({ 'ok.js': '' , 'x.rb': '' });
    await expect(runScriptAttempt(spec({ sourceDir: dir, entryPoint: 'ok.js', metricDefinitions: [{ name: 'm', regex: 'loss=[0-9]+' }] }))).rejects.toThrow(/capture group/);
    await expect(runScriptAttempt(spec({ sourceDir: dir, entryPoint: 'x.rb' }))).rejects.toThrow(/Unsupported entry point/);
  });
});
