import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

/**
 * A full disk under the home folder, for real: `orchard up` on a 4 MiB tmpfs, then
 * uploads bigger than what is left. Mounting needs root (CI runs as root); elsewhere
 * the file is skipped with the reason.
 */
const MOUNT = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-full-'));
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', MOUNT], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err).trim() || 'mount failed';
  }
})();
if (mounted !== null) console.warn(`test/integration/storage-full.test.ts skipped: it mounts a small tmpfs, which needs root (${mounted})`);

/** `rows` lines of a 4-feature classification CSV (about 29 bytes a line). */
function writeCsv(file: string, rows: number): string {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31).toFixed(6);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(`${i % 2},${rand()},${rand()},${rand()},${rand()}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** A streamed upload as curl sends it: a Content-Length, then the file in chunks. */
function rawUpload(url: string, token: string, pathname: string, file: string, contentType: string, method = 'POST'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, url), {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-length': String(fs.statSync(file).size) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    // Like curl, keep whatever answer came even if the rest of the body could not be sent.
    req.on('error', (err) => setTimeout(() => reject(err), 2000));
    fs.createReadStream(file).on('error', reject).pipe(req);
  });
}

// At file level: the mount is made when the file loads, whichever of its tests run.
afterAll(() => {
  if (mounted === null) execFileSync('umount', [MOUNT]);
  fs.rmSync(MOUNT, { recursive: true, force: true });
});

describe.skipIf(mounted !== null)('out of space under the home folder (tmpfs, needs root)', () => {
  let server: RunningServer;
  let sdk: Orchard;
  let dir: string;
  let big: string;
  let mid: string;

  beforeAll(async () => {
    server = await startServer({ ORCHARD_TOKEN: 'it-admin-token-0123456789abcdef' }, path.join(MOUNT, 'home'));
    sdk = new Orchard({ url: server.url, token: server.adminToken });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-full-data-'));
    big = writeCsv(path.join(dir, 'big.csv'), 300_000); // ~11 MB: more than the whole disk
    mid = writeCsv(path.join(dir, 'mid.csv'), 60_000); // ~2 MB: arrives, then its copies do not fit
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Nothing of a refused upload is left: no version, no stored object, no scratch file. */
  async function expectNothingLeft(): Promise<void> {
    expect((await sdk.datasets.list()).items.map((d) => d.name)).toEqual([]);
    expect((await sdk.artifacts.list('datasets/')).map((a) => a.key)).toEqual([]);
    const uploads = path.join(server.home, 'work', 'uploads');
    expect(fs.existsSync(uploads) ? fs.readdirSync(uploads) : []).toEqual([]);
  }

  it('refuses a dataset upload through the CLI with ORCH_STORAGE_FULL, not a broken pipe', async () => {
    const res = await cli(['datasets', 'create', 'big', '--file', big], { url: server.url, token: server.adminToken });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/ORCH_STORAGE_FULL/);
    expect(res.stderr).not.toMatch(/UNREACHABLE|EPIPE|ECONNRESET/);
    await expectNothingLeft();
  });

  it('answers 507 ORCH_STORAGE_FULL to a raw upload still being sent', async () => {
    const res = await rawUpload(server.url, server.adminToken, '/api/v1/datasets/big/versions', big, 'text/csv');
    expect(res.status).toBe(507);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ORCH_STORAGE_FULL' });
    await expectNothingLeft();
  });

  it('answers 507 when the upload arrives but its stored copies do not fit, through the SDK too', async () => {
    const res = await rawUpload(server.url, server.adminToken, '/api/v1/datasets/mid/versions', mid, 'text/csv');
    expect(res.status, res.body).toBe(507);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ORCH_STORAGE_FULL' });
    await expect(sdk.datasets.create({ name: 'mid', file: mid })).rejects.toMatchObject({ code: 'ORCH_STORAGE_FULL', status: 507 });
    await expectNothingLeft();
  });

  it('answers 507 to an artifact upload that does not fit, and stores nothing', async () => {
    const res = await rawUpload(server.url, server.adminToken, '/api/v1/artifacts/uploads/big.csv', big, 'application/octet-stream', 'PUT');
    expect(res.status).toBe(507);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ORCH_STORAGE_FULL' });
    await expect(sdk.artifacts.put('uploads/big.csv', big)).rejects.toMatchObject({ code: 'ORCH_STORAGE_FULL' });
    expect((await sdk.artifacts.list('uploads/')).map((a) => a.key)).toEqual([]);
  });

  it('works again for what fits: the refusals left the space free', async () => {
    const small = writeCsv(path.join(dir, 'small.csv'), 2000);
    const created = await sdk.datasets.create({ name: 'small', file: small });
    expect(created).toMatchObject({ name: 'small', version: 1, rowCount: 2000 });
  });
});

describe.skipIf(mounted !== null)('out of space under the attempts folder (tmpfs, needs root)', () => {
  let attempts: string;
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    attempts = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-full-attempts-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', attempts]);
    server = await startServer({ ORCHARD_TOKEN: 'it-admin-token-0123456789abcdef', ORCHARD_ATTEMPTS_DIR: path.join(attempts, 'a') });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-full-data-'));
  });
  afterAll(async () => {
    await server?.stop();
    execFileSync('umount', [attempts]);
    fs.rmSync(attempts, { recursive: true, force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fails a training job whose data does not fit, naming ORCH_STORAGE_FULL in its failure reason", async () => {
    const admin = { url: server.url, token: server.adminToken };
    const file = writeCsv(path.join(dir, 'tr.csv'), 60_000);
    expect((await cli(['datasets', 'create', 'tr', '--file', file], admin)).code).toBe(0);
    const res = await cli(['train', '--name', 'full1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=5', '--wait', '--json'], admin);
    expect(res.json, res.stdout + res.stderr).toMatchObject({ name: 'full1', status: 'Failed' });
    expect(res.json.failureReason).toMatch(/^ORCH_STORAGE_FULL: /);
  });
});
