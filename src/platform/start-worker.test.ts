import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { staticGraph } from '../../test/support/static-graph.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('orchard worker loads no HTTP layer', () => {
  it('start-worker imports nothing from src/api, nor Fastify', () => {
    const { files, packages } = staticGraph(path.join(SRC, 'platform', 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    expect([...files].map((f) => path.relative(SRC, f)).filter((f) => f.startsWith('api' + path.sep))).toEqual([]);
    expect([...packages].filter((p) => p.includes('fastify'))).toEqual([]);
  });

  it('the scan sees the HTTP layer where it is imported', () => {
    const { files, packages } = staticGraph(path.join(SRC, 'platform', 'start-platform.ts'));
    expect([...files].some((f) => f.includes(`${path.sep}api${path.sep}`))).toBe(true);
    expect(packages.has('fastify')).toBe(true);
  });
});
