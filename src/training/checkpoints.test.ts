import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileArtifactStore } from '../storage/index.js';
import { CheckpointSync } from './checkpoints.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-checkpoints-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('CheckpointSync', () => {
  it('restores what the last attempt synced, and leaves out a file it did not finish writing', async () => {
    const storeDir = path.join(tmp, 'store');
    const artifacts = await createFileArtifactStore(pathToFileURL(storeDir).href);
    const first = path.join(tmp, 'attempt-1');
    fs.mkdirSync(path.join(first, 'nested'), { recursive: true });
    fs.writeFileSync(path.join(first, 'state.json'), '{"epoch":3}');
    fs.writeFileSync(path.join(first, 'nested', 'weights.bin'), 'weights of epoch 3');
    await new CheckpointSync(artifacts, 'jobs/j1/checkpoints').sync(first);

    const second = path.join(tmp, 'attempt-2');
    expect(await new CheckpointSync(artifacts, 'jobs/j1/checkpoints').restore(second)).toEqual({ restored: 2, torn: [] });
    expect(fs.readFileSync(path.join(second, 'nested', 'weights.bin'), 'utf8')).toBe('weights of epoch 3');

    // An attempt killed while replacing state.json: new bytes under the old record.
    fs.writeFileSync(path.join(storeDir, 'jobs/j1/checkpoints/state.json'), '{"epoch":4}');
    const third = path.join(tmp, 'attempt-3');
    expect(await new CheckpointSync(artifacts, 'jobs/j1/checkpoints').restore(third)).toEqual({ restored: 1, torn: ['state.json'] });
    expect(fs.existsSync(path.join(third, 'state.json'))).toBe(false);
    expect(fs.readFileSync(path.join(third, 'nested', 'weights.bin'), 'utf8')).toBe('weights of epoch 3');
    await artifacts.close();
  });
});
