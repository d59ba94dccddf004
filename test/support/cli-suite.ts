import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TEST_ATTEMPTS_DIR, type Backend } from './backends.js';
import { startServer, type RunningServer } from './server.js';

export interface CliSuite {
  server: RunningServer;
  admin: { url: string; token: string };
  /** A scratch folder of the suite. */
  dir: string;
}

/**
 * For a `describe.each(backends)` suite: before its tests, `orchard up` on the backend
 * (attempts under TEST_ATTEMPTS_DIR, `env` added) and a scratch folder named from
 * `prefix`; after them, the server stopped, the backend torn down, the folder removed.
 * The fields are set in this call's `beforeAll`: the suite's own hooks, registered after
 * it, can use them.
 */
export function cliSuite(backend: Backend, options: { prefix: string; env?: Record<string, string> }): CliSuite {
  const suite = {} as CliSuite;
  let teardown: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    suite.server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ...options.env });
    suite.admin = { url: suite.server.url, token: suite.server.adminToken };
    suite.dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  });
  afterAll(async () => {
    await suite.server?.stop();
    await teardown?.();
    if (suite.dir) fs.rmSync(suite.dir, { recursive: true, force: true });
  });
  return suite;
}
