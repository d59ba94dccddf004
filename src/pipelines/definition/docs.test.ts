import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from './parse.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/pipelines-definitions.md');

describe('the definition reference', () => {
  it('has examples that the checker accepts, in JSON and YAML', () => {
    const blocks = [...fs.readFileSync(DOC, 'utf8').matchAll(/```(json|yaml)\n([\s\S]*?)```/g)].filter((m) => /\bsteps\b/.test(m[2]));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const [, format, text] of blocks) {
      expect(() => parseDefinition(text, format as 'json' | 'yaml'), text.slice(0, 80)).not.toThrow();
    }
  });
});
