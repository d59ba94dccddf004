import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OrchardError } from './errors.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where an `ORCH_API_*` code may be written: the HTTP layer that maps errors to answers,
 * the table itself, and the SDK, which reads the codes a server answers with.
 */
const HTTP_LAYER = ['api/', 'core/errors.ts', 'core/errors.test.ts', 'sdk/'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

describe('the error table', () => {
  it('names every code ORCH_<AREA>_<WHAT> with a client-error or server-error status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^ORCH_[A-Z0-9]+(_[A-Z0-9]+)*$/);
      expect(status >= 400 && status < 600, code).toBe(true);
    }
  });

  it('keeps HTTP-layer codes in the HTTP layer: capabilities throw their own', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      if (HTTP_LAYER.some((allowed) => rel === allowed || rel.startsWith(allowed))) continue;
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.includes('ORCH_API_')) offenders.push(`src/${rel}:${i + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('serialises as {code, message, details}', () => {
    const err = new OrchardError('ORCH_TRAINING_INVALID', { message: 'm', details: { errors: [] } });
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: 'ORCH_TRAINING_INVALID', message: 'm', details: { errors: [] } });
    expect(err.status).toBe(400);
  });
});
