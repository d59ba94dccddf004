import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONTRACTS = path.join(ROOT, 'src/contracts');

/** Every .ts/.tsx file under a folder. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

/** The files that ship: tests are left out. */
function shipped(dir: string): string[] {
  return sourceFiles(dir).filter((f) => !/\.test\.tsx?$/.test(f));
}

/** The module specifiers a file imports or re-exports, static or dynamic. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** Relative imports of `files` that land outside every one of `allowed` (absolute folders). */
function importsOutside(files: string[], allowed: string[]): string[] {
  const bad: string[] = [];
  for (const file of files) {
    for (const spec of specifiersOf(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // npm packages and node: builtins
      const target = path.resolve(path.dirname(file), spec);
      if (!allowed.some((dir) => target === dir || target.startsWith(dir + path.sep))) bad.push(`${path.relative(ROOT, file)} -> ${spec}`);
    }
  }
  return bad;
}

describe('what the clients import', () => {
  it('finds static, re-exported and dynamic imports', () => {
    expect(specifiersOf(`import a from './a.js';\nexport type { B } from "../b.js";\nimport './c.css';\nconst d = await import('../d.js');`)).toEqual(['./a.js', '../b.js', './c.css', '../d.js']);
  });

  it('the SDK imports only itself and the contracts', () => {
    const sdk = path.join(ROOT, 'src/sdk');
    expect(importsOutside(shipped(sdk), [sdk, CONTRACTS])).toEqual([]);
  });

  it('the studio imports only itself and the contracts', () => {
    const studio = path.join(ROOT, 'studio/src');
    // Tests are not shipped; one checks the studio's hyperparameter rules against the server's own.
    expect(importsOutside(shipped(studio), [studio, CONTRACTS])).toEqual([]);
  });

  it('the contracts import nothing from the server', () => {
    expect(importsOutside(shipped(CONTRACTS), [CONTRACTS])).toEqual([]);
  });

  it('reports an import that leaves the allowed folders', () => {
    const dir = fs.mkdtempSync(path.join(ROOT, '.imports-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'x.ts'), "import type { Role } from '../src/auth/index.js';\n");
      expect(importsOutside([path.join(dir, 'x.ts')], [dir, CONTRACTS])).toEqual([`${path.basename(dir)}/x.ts -> ../src/auth/index.js`]);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
