import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchardError } from '../core/index.js';
import { assertUniqueColumnNames, readFirstCsvRecord } from './csv-header.js';

describe('first CSV record', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orchard-csvh-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function first(content: string | Buffer, max = 1024) {
    const file = path.join(dir, `f${Math.random()}.csv`);
    await writeFile(file, content);
    return readFirstCsvRecord(file, max);
  }

  it('splits plain, quoted and escaped fields and stops at the first record', async () => {
    expect(await first('a,b,c\n1,2,3\n')).toEqual({ fields: ['a', 'b', 'c'], complete: true });
    expect(await first('"a,1","say ""hi""",c\r\nx')).toEqual({ fields: ['a,1', 'say "hi"', 'c'], complete: true });
    expect(await first('"multi\nline",é\n')).toEqual({ fields: ['multi\nline', 'é'], complete: true });
    expect(await first('a,,b')).toEqual({ fields: ['a', '', 'b'], complete: true });
  });

  it('reports an unterminated quote as incomplete', async () => {
    expect((await first('a,"b\n1,2\n')).complete).toBe(false);
  });

  it('refuses a first record over the limit', async () => {
    const error = await readFirstCsvRecord(
      await (async () => {
        const file = path.join(dir, 'long.csv');
        await writeFile(file, `${'x'.repeat(300_000)}\n1\n`);
        return file;
      })(),
      100_000,
    ).catch((err: OrchardError) => err);
    expect((error as OrchardError).code).toBe('ORCH_DATASET_LINE_TOO_LONG');
  });
});

describe('duplicate column names', () => {
  it('compares trimmed and case-insensitively', () => {
    expect(() => assertUniqueColumnNames(['a', 'b', 'c'])).not.toThrow();
    for (const names of [['a', 'a'], ['id', ' ID '], ['x', 'y', 'X']]) {
      let code: string | undefined;
      try {
        assertUniqueColumnNames(names);
      } catch (err) {
        code = (err as OrchardError).code;
      }
      expect(code).toBe('ORCH_DATASET_DUPLICATE_COLUMN');
    }
  });
});
