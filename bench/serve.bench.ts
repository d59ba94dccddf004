import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Orchard } from '../src/sdk/index.js';
import { testSigner } from '../src/aws/sigv4/test-signer.js';
import { dataFile, DATA, emit, median, PEERS, PYTHON } from './support.js';
import { startOrchardUp, stopChild, wrk, wrkScript, type WrkResult } from './serve-support.js';
import { toXgboostJsonText } from './xgboost-json.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** User + system CPU seconds a process has used (Linux). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no answer from ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `npm run bench -- serve [--rounds 100] [--duration 15] [--repeat 1] [--connections 16]`:
 * one CSV row per request, wrk on 127.0.0.1 (2 threads, 16 connections), against
 *  - a bare Node `http.createServer` answering a constant (the ceiling on this machine),
 *  - FastAPI + uvicorn + XGBoost 1.7 (the peers' `serve_app.py`), serving the same trees
 *    as Orchard's model, converted to XGBoost's JSON format (scores checked equal),
 *  - an Orchard endpoint (`orchard up` from dist/, one instance, token auth, the
 *    platform's router in front of the model-server process).
 * The model: xgboost, binary:logistic, 100 rounds, depth 6, eta 0.1, trained by Orchard
 * on the first 100k rows of the peers' cls_1m.csv (28 features). With --repeat N the
 * targets run in turn N times and the median run of each is reported.
 */
export async function run(args: string[]): Promise<void> {
  const rounds = arg(args, '--rounds', 100);
  const duration = arg(args, '--duration', 15);
  const repeat = arg(args, '--repeat', 1);
  const connections = arg(args, '--connections', 16);
  const data = await dataFile('cls_1m.csv', 'cls');
  const test = path.join(DATA, 'cls_1m_test.csv');
  const train = path.join(DATA, 'cls_1m_head100k.csv');
  if (!fs.existsSync(train)) fs.writeFileSync(train, fs.readFileSync(data, 'utf8').split('\n', 100_000).join('\n') + '\n');
  const testRows = fs.readFileSync(test, 'utf8').split('\n', 1000).map((l) => l.slice(l.indexOf(',') + 1));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-serve-'));
  let orchard: Awaited<ReturnType<typeof startOrchardUp>> | undefined;
  let peer: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  try {
    orchard = await startOrchardUp(path.join(work, 'home'));
    const sdk = new Orchard({ url: orchard.url, token: orchard.token });
    await sdk.datasets.create({ name: 'cls100k', file: train });
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'cls100k' }, hyperParameters: { objective: 'binary:logistic', num_round: String(rounds), max_depth: '6', eta: '0.1' } });
    const job = await sdk.training.waitFor('gb', { pollMs: 500 });
    if (job.status !== 'Completed') throw new Error(`training failed: ${job.failureReason}`);
    const model = await sdk.models.create({ name: 'gb', fromJob: 'gb' });
    await sdk.endpoints.create({ name: 'bench', model: 'gb' });
    const ep = await sdk.endpoints.waitFor('bench', { pollMs: 200 });
    if (ep.status !== 'InService') throw new Error(`endpoint failed: ${ep.failureReason}`);

    // The peer serves the same trees.
    const orchardModel = JSON.parse(fs.readFileSync(path.join(work, 'home/work/models', model.sha256, 'model.json'), 'utf8'));
    const xgbFile = path.join(work, 'xgb.json');
    fs.writeFileSync(xgbFile, toXgboostJsonText(orchardModel));
    const peerPort = await freePort();
    peer = spawn(PYTHON, [path.join(PEERS, 'serve_app.py'), '--model', xgbFile, '--host', '127.0.0.1', '--port', String(peerPort)], { stdio: 'ignore' });
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    await waitForPing(`${peerUrl}/ping`, peer);
    const check = testRows.slice(0, 200).join('\n') + '\n';
    const fromPeer = (await (await fetch(`${peerUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: check })).text()).trim().split('\n').map(Number);
    const fromOrchard = (await sdk.endpoints.invoke('bench', { body: check })).text().trim().split('\n').map(Number);
    const maxDiff = Math.max(...fromPeer.map((v, i) => Math.abs(v - fromOrchard[i])));
    if (fromPeer.length !== 200 || fromOrchard.length !== 200 || !(maxDiff < 1e-5)) throw new Error(`the peer and Orchard disagree (max |diff| ${maxDiff})`);

    const barePort = await freePort();
    bare = spawn(process.execPath, ['-e', `require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => { r.writeHead(200, { 'content-type': 'text/csv', 'content-length': 4 }); r.end('0.5\\n'); }); }).listen(${barePort}, '127.0.0.1')`], { stdio: 'ignore' });
    await waitForPing(`http://127.0.0.1:${barePort}/`, bare);

    // SageMaker Runtime's route, as boto3 calls it: each body signed (SigV4) with an access
    // key by the AWS SDKs' signer, in Node, before each run (a signature is good for 15
    // minutes and AWS accepts it repeated); wrk sends the formatted requests as they are, so
    // the client costs the same on both routes.
    const key = await sdk.accessKeys.create({ description: 'serve bench' });
    const signer = testSigner({ service: 'sagemaker', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    const runtimeUrl = new URL(`${orchard.url}/endpoints/bench/invocations`);
    const signedScript = async () => {
      const rowHeaders = await Promise.all(
        testRows.map(async (body) => {
          const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: runtimeUrl.hostname, path: runtimeUrl.pathname, query: {}, headers: { host: runtimeUrl.host, 'content-type': 'text/csv', accept: 'text/csv' }, body });
          return { Authorization: signed.headers.authorization, 'X-Amz-Date': signed.headers['x-amz-date'] };
        }),
      );
      return wrkScript(work, testRows, { Accept: 'text/csv' }, rowHeaders);
    };
    const targets: { peer: string; url: string; lua: string | (() => Promise<string>) }[] = [
      { peer: 'node-http-constant', url: `http://127.0.0.1:${barePort}/`, lua: wrkScript(work, testRows, { Accept: 'text/csv' }) },
      { peer: 'fastapi-uvicorn-xgboost', url: `${peerUrl}/invocations`, lua: wrkScript(work, testRows, { Accept: 'text/csv' }) },
      { peer: 'orchard-endpoint', url: `${orchard.url}/api/v1/endpoints/bench/invocations`, lua: wrkScript(work, testRows, { Accept: 'text/csv', Authorization: `Bearer ${orchard.token}` }) },
      { peer: 'orchard-sagemaker-runtime-sigv4', url: runtimeUrl.href, lua: signedScript },
    ];
    const scriptOf = async (t: (typeof targets)[number]) => (typeof t.lua === 'string' ? t.lua : t.lua());
    // Warm-up (JIT, connections) outside the measurement.
    for (const t of targets) await wrk(t.url, await scriptOf(t), { duration: 2, connections });
    const results = new Map<string, WrkResult[]>(targets.map((t) => [t.peer, []]));
    // CPU time of the platform and of the model server per request (where Orchard's cost goes).
    const serverPid = (await sdk.endpoints.describe('bench')).variants[0].instances[0].pid!;
    const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));
    const cpuOf = new Map(['orchard-endpoint', 'orchard-sagemaker-runtime-sigv4'].map((peer) => [peer, { platform: 0, modelServer: 0, requests: 0 }]));
    for (let r = 0; r < repeat; r++) {
      for (const t of targets) {
        const cpu = cpuOf.get(t.peer);
        const script = await scriptOf(t);
        const before = cpu ? [cpuSeconds(orchard.child.pid!), cpuSeconds(serverPid)] : null;
        const res = await wrk(t.url, script, { duration, connections });
        results.get(t.peer)!.push(res);
        if (cpu && before) {
          cpu.platform += cpuSeconds(orchard.child.pid!) - before[0];
          cpu.modelServer += cpuSeconds(serverPid) - before[1];
          cpu.requests += res.rps * duration;
        }
      }
    }

    const summary: Record<string, WrkResult> = {};
    for (const t of targets) {
      const runs = results.get(t.peer)!;
      const mid = runs.find((x) => x.rps === median(runs.map((y) => y.rps)))!;
      summary[t.peer] = mid;
      emit({
        task: 'serve',
        peer: t.peer,
        dataset: 'cls_1m_test[1 row/request]',
        rps: Math.round(mid.rps),
        p50_ms: mid.p50_ms,
        p90_ms: mid.p90_ms,
        p99_ms: mid.p99_ms,
        non_2xx: mid.non_2xx,
        errors: mid.errors,
        rps_runs: runs.map((x) => Math.round(x.rps)),
        connections,
        duration_s: duration,
        ...(t.peer === 'orchard-endpoint' ? { rounds, max_depth: 6, instances: 1 } : {}),
        ...(t.peer === 'fastapi-uvicorn-xgboost' ? { check_max_abs_diff: maxDiff } : {}),
      });
    }
    const o = summary['orchard-endpoint'];
    const sm = summary['orchard-sagemaker-runtime-sigv4'];
    const f = summary['fastapi-uvicorn-xgboost'];
    const b = summary['node-http-constant'];
    // Each round runs the targets one after the other, so a round's ratio compares like with like on a shared machine.
    const oRuns = results.get('orchard-endpoint')!;
    const fRuns = results.get('fastapi-uvicorn-xgboost')!;
    emit({
      task: 'serve',
      ratio_rps_orchard_vs_fastapi: +(o.rps / f.rps).toFixed(2),
      ratio_p99_orchard_vs_fastapi: +(o.p99_ms / f.p99_ms).toFixed(2),
      share_of_bare_node: +(o.rps / b.rps).toFixed(2),
      ratio_rps_sagemaker_runtime_sigv4_vs_fastapi: +(sm.rps / f.rps).toFixed(2),
      ratio_rps_sagemaker_runtime_sigv4_vs_orchard_endpoint: +(sm.rps / o.rps).toFixed(2),
      ratio_rps_by_round: oRuns.map((x, i) => +(x.rps / fRuns[i].rps).toFixed(2)),
      ratio_p99_by_round: oRuns.map((x, i) => +(x.p99_ms / fRuns[i].p99_ms).toFixed(2)),
    });
    const described = await sdk.endpoints.describe('bench');
    emit({
      task: 'serve',
      // CPU time per request (robust where requests/s are not, on a shared machine): Bearer vs SigV4.
      ...Object.fromEntries(
        [...cpuOf].map(([peer, cpu]) => [
          peer === 'orchard-endpoint' ? 'orchard_cpu_us_per_request' : 'sigv4_cpu_us_per_request',
          { platform: Math.round((cpu.platform / cpu.requests) * 1e6), model_server: Math.round((cpu.modelServer / cpu.requests) * 1e6) },
        ]),
      ),
      orchard_counters: described.variants[0].counters,
      load_average_start: loadAtStart,
      load_average: os.loadavg().map((x) => +x.toFixed(2)),
    });
  } finally {
    await stopChild(bare);
    await stopChild(peer);
    await stopChild(orchard?.child);
    fs.rmSync(work, { recursive: true, force: true });
  }
}
