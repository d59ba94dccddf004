import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { staticGraph } from '../../../test/support/static-graph.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every endpoint instance is a model-server process: what it loads, each instance pays for at start. */
describe('a model server loads no registry, storage or database layer', () => {
  it('model-server imports nothing from src/registry or src/storage, nor a database client', () => {
    const { files, packages } = staticGraph(path.join(SRC, 'serving', 'endpoints', 'model-server.ts'));
    expect(files.size).toBeGreaterThan(20);
    const dirs = new Set([...files].map((f) => path.relative(SRC, f).split(path.sep)[0]));
    expect([...dirs].filter((d) => ['registry', 'storage', 'api', 'platform'].includes(d))).toEqual([]);
    expect([...packages].filter((p) => ['kysely', 'pg', 'better-sqlite3', 'fastify', '@aws-sdk/client-s3'].includes(p))).toEqual([]);
  });

  it('the scan sees the storage layer where it is imported', () => {
    const { packages } = staticGraph(path.join(SRC, 'registry', 'index.ts'));
    expect(packages.has('kysely')).toBe(true);
  });
});
