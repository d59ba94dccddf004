/**
 * `npm run bench -- sigv4-verify [--iterations 200000] [--repeat 5] [--duration 5]`: the CPU
 * SageMaker Runtime's route spends on a SigV4 check. In process (no HTTP, no model): requests
 * (one CSV row each, signed by the AWS SDKs' signer as boto3 signs an InvokeEndpoint, no
 * `x-amz-content-sha256`) verified as the route does (`authenticateNow`, then the body's
 * sha256), with the key cached as it is for a client in steady use. Also its parts (claim,
 * body hash, canonical request and string to sign, HMAC) and a Bearer token's check, the
 * other route's cost. Then over HTTP (when wrk is installed): Orchard's invocation route
 * (Bearer) and SageMaker Runtime's (SigV4) in one server in this process, in front of an
 * endpoint that answers a constant, so the server's CPU per request is the routes' own (no
 * model server, no framework); wrk replays pre-signed requests as the serve bench does.
 * Figures are µs per request; for development, not for RESULTS.md.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import type { AddressInfo } from 'node:net';
import { invocationHandler } from '../src/api/routes/endpoint-invocations.js';
import { runtimeHandler } from '../src/aws/runtime/index.js';
import type { AuthService } from '../src/auth/index.js';
import type { EndpointService } from '../src/serving/endpoints/index.js';
import { hasWrk, wrk, wrkScript } from './serve-support.js';
import { testSigner } from '../src/aws/sigv4/test-signer.js';
import { SigV4Authenticator, parseSigV4, canonicalRequest, sha256Hex, stringToSign, signatureOf, signingKey, type SignedRequest } from '../src/aws/sigv4/index.js';
import type { Principal } from '../src/auth/index.js';
import { emit } from './support.js';
import { numberArg } from './serve-support.js';

const ACCESS_KEY_ID = 'AKIAORCHARDBENCH0001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function timeIt(iterations: number, requests: SignedRequest[], bodies: Buffer[], fn: (req: SignedRequest, body: Buffer) => unknown): number {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn(requests[i % requests.length], bodies[i % bodies.length]);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn(requests[i % requests.length], bodies[i % bodies.length]);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

export async function run(args: string[]): Promise<void> {
  const iterations = numberArg(args, '--iterations', 200_000);
  const repeat = numberArg(args, '--repeat', 5);
  const host = '127.0.0.1:8080';
  const path = '/endpoints/bench/invocations';
  const signer = testSigner({ service: 'sagemaker', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const rows = Array.from({ length: 256 }, () => Array.from({ length: 28 }, () => (rand() * 2 - 1).toFixed(4)).join(','));
  const requests: SignedRequest[] = [];
  const bodies: Buffer[] = [];
  for (const body of rows) {
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path, query: {}, headers: { host, 'content-type': 'text/csv', accept: 'text/csv' }, body });
    // As Node parses what wrk sends: lower-case names in the order received.
    const raw: [string, string][] = [
      ['Host', host],
      ['Content-Type', 'text/csv'],
      ['Accept', 'text/csv'],
      ['Authorization', signed.headers.authorization],
      ['X-Amz-Date', signed.headers['x-amz-date']],
      ['Content-Length', String(Buffer.byteLength(body))],
    ];
    requests.push({ method: 'POST', url: path, headers: Object.fromEntries(raw.map(([k, v]) => [k.toLowerCase(), v])), rawHeaders: raw.flat() });
    bodies.push(Buffer.from(body));
  }
  const principal = { user: { name: 'bench', role: 'admin' }, accessKeyId: ACCESS_KEY_ID } as unknown as Principal;
  const resolved = { secretAccessKey: SECRET, principal };
  const authenticator = new SigV4Authenticator({ resolve: async () => resolved, resolveCached: () => resolved, touch: () => undefined });
  const tokens = new Map([['token', principal]]);

  const cases: Record<string, (req: SignedRequest, body: Buffer) => unknown> = {
    sigv4_route_check: (req, body) => {
      const auth = authenticator.authenticateNow(req) as Exclude<ReturnType<SigV4Authenticator['authenticateNow']>, Promise<unknown>>;
      auth.complete(body);
      return auth;
    },
    claim: (req) => parseSigV4(req),
    body_sha256: (_req, body) => sha256Hex(body),
    canonical_and_string_to_sign: (req, body) => {
      const claim = parseSigV4(req);
      return stringToSign(claim.amzDate, claim.scope, canonicalRequest({ method: 'POST', rawPath: claim.rawPath, rawQuery: claim.rawQuery, signedHeaders: claim.signedHeaders, headers: req.headers, payloadHash: body.length === 0 ? '' : EMPTY, service: claim.service }));
    },
    hmac_signature: (req) => signatureOf(KEY, req.headers['x-amz-date'] as string),
    bearer_check: (req) => {
      const header = req.headers.authorization as string;
      return header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ' ? tokens.get(header.slice(7)) : tokens.get('token');
    },
  };
  const results: Record<string, number[]> = {};
  for (let r = 0; r < repeat; r++) for (const [name, fn] of Object.entries(cases)) (results[name] ??= []).push(timeIt(iterations, requests, bodies, fn));
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  emit({ task: 'sigv4-verify', iterations, repeat, us_per_request: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, +med(v).toFixed(2)])) });
  // --duration 0: in process only.
  const duration = numberArg(args, '--duration', 5);
  if (duration > 0 && (await hasWrk())) await overHttp(rows, principal, authenticator, duration, repeat);
}

/** Both invocation routes in one server here, wrk in front: the server's CPU µs per request on each. */
async function overHttp(rows: string[], principal: Principal, sigv4: SigV4Authenticator, duration: number, repeat: number): Promise<void> {
  const answer = { status: 200, contentType: 'text/csv', body: Buffer.from('0.5\n'), variant: 'AllTraffic' };
  const endpoints = { invoke: async () => answer } as unknown as EndpointService;
  const auth = { recentlyVerified: () => principal, authenticate: async () => principal, changeCount: 0 } as unknown as AuthService;
  const log = () => undefined;
  const invoke = invocationHandler(endpoints, auth, { testDelays: false, log });
  const runtime = runtimeHandler(endpoints, auth, sigv4, { testDelays: false, log });
  const server = http.createServer((req, res) => {
    if (invoke(req, res) || runtime(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const work = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'orchard-bench-sigv4-'));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = new URL(`${base}/endpoints/bench/invocations`);
    const signer = testSigner({ service: 'sagemaker', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    const signedScript = async () => {
      const rowHeaders = await Promise.all(
        rows.map(async (body) => {
          const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, 'content-type': 'text/csv', accept: 'text/csv' }, body });
          return { Authorization: signed.headers.authorization, 'X-Amz-Date': signed.headers['x-amz-date'] };
        }),
      );
      return wrkScript(work, rows, { Accept: 'text/csv' }, rowHeaders);
    };
    const targets = [
      { route: 'bearer', url: `${base}/api/v1/endpoints/bench/invocations`, script: async () => wrkScript(work, rows, { Accept: 'text/csv', Authorization: 'Bearer token' }) },
      { route: 'sigv4', url: url.href, script: signedScript },
    ];
    const cpu: Record<string, number[]> = { bearer: [], sigv4: [] };
    const rps: Record<string, number[]> = { bearer: [], sigv4: [] };
    for (const t of targets) await wrk(t.url, await t.script(), { duration: 2, connections: 16 });
    for (let r = 0; r < repeat; r++) {
      for (const t of targets) {
        const script = await t.script();
        const start = process.cpuUsage();
        const res = await wrk(t.url, script, { duration, connections: 16 });
        const used = process.cpuUsage(start);
        if (res.non_2xx > 0 || res.errors > 0) throw new Error(`${t.route}: ${res.non_2xx} non-2xx answers, ${res.errors} errors`);
        cpu[t.route].push((used.user + used.system) / (res.rps * duration));
        rps[t.route].push(Math.round(res.rps));
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Rounds alternate the routes, so each round's difference compares like with like on a shared machine.
    const excess = cpu.sigv4.map((x, i) => +(x - cpu.bearer[i]).toFixed(1));
    emit({ task: 'sigv4-verify', over: 'http', duration_s: duration, repeat, server_cpu_us_per_request: { bearer: +med(cpu.bearer).toFixed(1), sigv4: +med(cpu.sigv4).toFixed(1) }, sigv4_excess_us_by_round: excess, rps, load_average: os.loadavg().map((x) => +x.toFixed(2)) });
  } finally {
    server.close();
    server.closeAllConnections();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const KEY = signingKey(SECRET, '20261203', 'us-east-1', 'sagemaker');
