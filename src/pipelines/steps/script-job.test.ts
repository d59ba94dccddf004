import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SCRIPT_LOG_BYTES, runScript, type ScriptPayload } from './script-job.js';

// Scripts run as an unprivileged user when the tests run as root: their folders' parent must be traversable.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-script-job-'));
fs.chmodSync(root, 0o711);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A process that exists and is not a zombie (one nobody has reaped yet has ended). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

let n = 0;
function run(language: ScriptPayload['language'], code: string, input: unknown = {}, options: { timeoutSeconds?: number; signal?: AbortSignal } = {}) {
  return runScript({ resource: `pe-000000000000-s${++n}`, language, code, input, timeoutSeconds: options.timeoutSeconds ?? 30 }, path.join(root, `run-${n}`), options.signal);
}

describe('the pipeline-script job: input JSON on stdin, output JSON from stdout', () => {
  it('runs Python: the input arrives on stdin, stdout is the output, stderr the log', async () => {
    const code = ['import json, sys', 'data = json.load(sys.stdin)', "print('working on', data['n'], file=sys.stderr)", "print(json.dumps({'double': data['n'] * 2, 'names': data['names'][::-1]}))"].join('\n');
    const { result, log } = await run('python', code, { n: 21, names: ['a', 'b'] });
    expect(result).toEqual({ ok: true, output: { double: 42, names: ['b', 'a'] } });
    expect(log).toBe('working on 21');
  });

  it('runs JavaScript with node, reading all of stdin; any JSON value is an output, over several lines', async () => {
    const code = "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nconsole.error('got', input.length);\nprocess.stdout.write(JSON.stringify(input.map((x) => x + 1), null, 2));";
    const { result, log } = await run('javascript', code, [1, 2, 3]);
    expect(result).toEqual({ ok: true, output: [2, 3, 4] });
    expect(log).toBe('got 3');
  });

  it('gives a step without input {} on stdin, in a clean environment', async () => {
    const code = ['import json, os, sys', "print(json.dumps({'input': json.load(sys.stdin), 'secret': os.environ.get('ORCHARD_SECRET_KEY'), 'cwd': os.getcwd()}))"].join('\n');
    process.env.ORCHARD_SECRET_KEY = 'must-not-leak';
    try {
      const { result } = await runScript({ resource: 'pe-000000000000-env', language: 'python', code, input: undefined, timeoutSeconds: 30 }, path.join(root, 'env'));
      expect(result.ok).toBe(true);
      const output = (result as { output: { input: unknown; secret: unknown; cwd: string } }).output;
      expect(output.input).toBeNull();
      expect(output.secret).toBeNull();
      expect(output.cwd).toBe(path.join(root, 'env'));
    } finally {
      delete process.env.ORCHARD_SECRET_KEY;
    }
  });

  it('fails clearly when stdout is not JSON, or empty', async () => {
    const bad = await run('python', "print('done!')");
    expect(bad.result.ok).toBe(false);
    expect(bad.result).toMatchObject({ code: 'ORCH_PIPELINE_STEP_FAILED' });
    expect((bad.result as { message: string }).message).toMatch(/stdout is not one JSON value .*it began: done!/);
    const empty = await run('javascript', "console.error('nothing to say')");
    expect((empty.result as { message: string }).message).toMatch(/wrote nothing on stdout/);
    expect(empty.log).toBe('nothing to say');
  });

  it('fails with the exit code and the last lines of stderr when the script fails', async () => {
    const { result } = await run('python', "import sys\nprint('{}')\nsys.exit('bad input: no rows')");
    expect(result).toMatchObject({ ok: false, code: 'ORCH_PIPELINE_STEP_FAILED' });
    expect((result as { message: string }).message).toMatch(/exited with code 1; last lines of stderr:\nbad input: no rows/);
    const thrown = await run('javascript', "throw new Error('boom')");
    expect((thrown.result as { message: string }).message).toMatch(/exited with code 1.*\n[\s\S]*Error: boom/);
  });

  it('ends a script past its time limit with ORCH_PIPELINE_STEP_TIMEOUT', async () => {
    const { result } = await run('python', 'import time\ntime.sleep(60)', {}, { timeoutSeconds: 1 });
    expect(result).toMatchObject({ ok: false, code: 'ORCH_PIPELINE_STEP_TIMEOUT' });
    expect((result as { message: string }).message).toMatch(/longer than its time limit of 1 s/);
  });

  it('stops the script and what it started when its job is stopped', async () => {
    const dir = path.join(root, 'stop');
    const code = ['import os, subprocess, sys, time', "p = subprocess.Popen(['sleep', '300'])", "open('child.pid', 'w').write(str(p.pid))", "print('started', file=sys.stderr)", 'time.sleep(300)'].join('\n');
    const abort = new AbortController();
    const pending = runScript({ resource: 'pe-000000000000-stop', language: 'python', code, input: {}, timeoutSeconds: 600 }, dir, abort.signal);
    const pidFile = path.join(dir, 'child.pid');
    for (let i = 0; i < 200 && !(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8')); i++) await new Promise((r) => setTimeout(r, 50));
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    abort.abort('stop');
    const { result } = await pending;
    expect(result).toMatchObject({ ok: false, message: 'the script was stopped' });
    // The group was killed; the grandchild goes as soon as the kernel has delivered it.
    for (let i = 0; i < 100 && running(child); i++) await new Promise((r) => setTimeout(r, 50));
    expect(running(child)).toBe(false);
  });

  it('keeps a bounded log of stderr, and refuses an output past its limit', async () => {
    const noisy = await run('python', "import sys\nfor i in range(20000): print('line %05d of noise' % i, file=sys.stderr)\nprint('1')");
    expect(noisy.result).toEqual({ ok: true, output: 1 });
    expect(Buffer.byteLength(noisy.log)).toBeLessThan(MAX_SCRIPT_LOG_BYTES + 200);
    expect(noisy.log).toMatch(/^line 00000 of noise/);
    expect(noisy.log).toMatch(/log truncated/);
    const huge = await run('python', "import json\nprint(json.dumps(['x' * 1000] * 2000))");
    expect((huge.result as { message: string }).message).toMatch(/bytes on stdout; the output JSON may be at most 1048576/);
  });
});
