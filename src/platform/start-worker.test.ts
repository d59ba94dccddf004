import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Files and packages reachable from `entry` through static imports (`import … from`, `export … from`). */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    // `import type` is erased at compile time, so it loads nothing.
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(entry);
  return { files, packages };
}

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
