import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchardError } from '../core/index.js';
import { openDuckDB, type DuckDBSession } from './duckdb-session.js';
import { assertUniqueColumnNames, detectCsvHeader, isCsvHeader, isHeaderCandidate, readFirstCsvRecord } from './csv-header.js';

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

describe('the CSV header rule', () => {
  it('takes a first record of non-empty, non-numeric text as a possible header', () => {
    expect(isHeaderCandidate(['id', 'value', 'label'])).toBe(true);
    expect(isHeaderCandidate(['1', '0.5', 'a'])).toBe(false);
    expect(isHeaderCandidate(['id', '', 'x'])).toBe(false);
    expect(isHeaderCandidate(['id', '  '])).toBe(false);
    expect(isHeaderCandidate(['-1e3', 'x'])).toBe(false);
    expect(isHeaderCandidate(['.5', 'x'])).toBe(false);
    expect(isHeaderCandidate([])).toBe(false);
    // Text that only starts like a number is a name.
    expect(isHeaderCandidate(['1st', 'x2'])).toBe(true);
  });

  it('needs a column below that is not text', () => {
    expect(isCsvHeader(['id', 'name'], ['BIGINT', 'VARCHAR'])).toBe(true);
    expect(isCsvHeader(['name', 'city'], ['VARCHAR', 'VARCHAR'])).toBe(false);
    expect(isCsvHeader(['1', 'x'], ['BIGINT', 'VARCHAR'])).toBe(false);
    expect(isCsvHeader(['a', 'b'], [])).toBe(false);
  });

  describe('on files', () => {
    let dir: string;
    let session: DuckDBSession;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'orchard-csvrule-'));
      session = await openDuckDB();
    });
    afterAll(async () => {
      session.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function detect(content: string): Promise<boolean> {
      const file = path.join(dir, `f${Math.random()}.csv`);
      await writeFile(file, content);
      const first = await readFirstCsvRecord(file, 1024);
      return detectCsvHeader(session.connection, file, first.fields, 1024 * 1024);
    }

    it('finds a header above typed rows, and none above a numeric first row', async () => {
      expect(await detect('id,score,label\n1,0.5,a\n2,1.5,b\n')).toBe(true);
      expect(await detect('name,born\nada,1815-12-10\n')).toBe(true);
      expect(await detect('1,0.5,a\n2,1.5,b\n')).toBe(false);
    });

    it('takes the first row of an all-text table as data', async () => {
      expect(await detect('name,city\nbob,paris\nann,rome\n')).toBe(false);
    });

    it('reads quoted fields as their text', async () => {
      expect(await detect('"id","the, name"\n1,"x"\n')).toBe(true);
      expect(await detect('"1","x"\n2,"y"\n')).toBe(false);
    });

    it('finds no header in an empty file or a single line', async () => {
      expect(await detect('')).toBe(false);
      expect(await detect('id,name\n')).toBe(false);
      expect(await detect('id,name')).toBe(false);
    });
  });
});
