import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, codeOf, errorOf, filesUnder, openHarness, writeParquet, type Harness } from './test-harness.js';
import type { CreateDatasetInput, DatasetColumn, DatasetVersion } from './types.js';

const column = (version: DatasetVersion, name: string): DatasetColumn => {
  const found = version.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name} in ${version.columns.map((c) => c.name).join(',')}`);
  return found;
};

describe('dataset ingest', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
  });
  afterAll(() => h.cleanup());

  /** Nothing of a failed create may remain: no row (not even a reservation), no file, no temp file. */
  async function expectNothingLeft(): Promise<void> {
    const rows = await h.metadata.db.selectFrom('datasets').select('id').where('name', 'like', 'bad%').execute();
    expect(rows).toEqual([]);
    expect((await h.artifacts.list('datasets')).filter((a) => a.key.startsWith('datasets/bad'))).toEqual([]);
    expect(await filesUnder(path.join(h.workDir, 'uploads'))).toEqual([]);
  }

  async function failsWith(input: Partial<CreateDatasetInput> & { content?: string | Buffer }, code: string) {
    const { content, ...rest } = input;
    const error = await errorOf(
      h.service.create({ name: 'bad', format: 'csv', header: true, body: body(content ?? ''), ...rest }),
    );
    expect(error.code, error.message).toBe(code);
    expect(error.message).not.toContain(h.root);
    await expectNothingLeft();
    return error;
  }

  it('ingests a CSV with a header: schema, row count, statistics and both files', async () => {
    const csv = 'id,label,score,city,day\n1,0,1.5,Oslo,2024-01-01\n2,1,2.5,Bergen,2024-01-02\n3,1,,Oslo,2024-01-03\n4,0,4.0,Oslo,2024-01-04\n';
    const v = await h.service.create({ name: 'people', format: 'csv', header: true, body: body(csv, 7), description: 'd', tags: { team: 'ml' }, createdBy: 'ann' });
    expect(v).toMatchObject({ name: 'people', version: 1, status: 'ready', format: 'csv', header: true, rowCount: 4 });
    expect(v).toMatchObject({ description: 'd', tags: { team: 'ml' }, createdBy: 'ann', deletedAt: null });
    expect(v.sizeBytes).toBe(Buffer.byteLength(csv));
    expect(v.sha256).toBe(createHash('sha256').update(csv).digest('hex'));
    expect(v.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'], ['label', 'BIGINT'], ['score', 'DOUBLE'], ['city', 'VARCHAR'], ['day', 'DATE'],
    ]);
    const score = column(v, 'score').stats;
    expect(score).toMatchObject({ count: 3, nulls: 1, distinct: 3, min: 1.5, max: 4 });
    expect(score.mean).toBeCloseTo(8 / 3, 10);
    expect(score.stddev).toBeCloseTo(Math.sqrt(((1.5 - 8 / 3) ** 2 + (2.5 - 8 / 3) ** 2 + (4 - 8 / 3) ** 2) / 2), 10);
    expect(score.histogram).toHaveLength(20);
    expect(score.histogram?.[0]).toMatchObject({ lower: 1.5, count: 1 });
    expect(score.histogram?.[19]).toMatchObject({ upper: 4, count: 1 });
    expect(score.histogram?.reduce((sum, bin) => sum + bin.count, 0)).toBe(3);
    const city = column(v, 'city').stats;
    expect(city).toMatchObject({ count: 4, nulls: 0, distinct: 2, min: 'Bergen', max: 'Oslo', mean: null, stddev: null, histogram: null });
    expect(city.topValues).toEqual([{ value: 'Oslo', count: 3 }, { value: 'Bergen', count: 1 }]);
    expect(column(v, 'day').stats).toMatchObject({ min: '2024-01-01', max: '2024-01-04', mean: null, distinct: 4 });
    expect(column(v, 'label').stats.topValues).toEqual([{ value: 0, count: 2 }, { value: 1, count: 2 }]);

    expect(v.sourceUri).toBe(`${h.artifacts.url}/datasets/people/1/source.csv`);
    expect(v.dataUri).toBe(`${h.artifacts.url}/datasets/people/1/data.parquet`);
    expect((await h.artifacts.head('datasets/people/1/source.csv'))?.sha256).toBe(v.sha256);
    expect(await h.artifacts.head('datasets/people/1/data.parquet')).toBeDefined();
    expect(await filesUnder(path.join(h.workDir, 'uploads'))).toEqual([]);
  });

  it('names columns _c0, _c1, … without a header (the default, SageMaker style)', async () => {
    const v = await h.service.create({ name: 'nohdr', format: 'csv', body: body('1,5.5,a\n0,3.5,b\n1,1.0,a\n') });
    expect(v.header).toBe(false);
    expect(v.rowCount).toBe(3);
    expect(v.columns.map((c) => [c.name, c.type])).toEqual([['_c0', 'BIGINT'], ['_c1', 'DOUBLE'], ['_c2', 'VARCHAR']]);
    expect(column(v, '_c0').stats).toMatchObject({ min: 0, max: 1, distinct: 2 });
    expect(column(v, '_c1').stats.mean).toBeCloseTo(10 / 3, 10);
  });

  it('accepts a BOM (Excel) and CRLF line ends; the BOM is not part of the column name', async () => {
    const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name,n\r\nx,1\r\ny,2\r\n')]);
    const v = await h.service.create({ name: 'bom', format: 'csv', header: true, body: body(csv, 2) });
    expect(v.columns.map((c) => c.name)).toEqual(['name', 'n']);
    expect(v.sizeBytes).toBe(csv.length - 3);
    expect(column(v, 'n').stats).toMatchObject({ min: 1, max: 2 });
  });

  it('ingests JSON Lines, nested values included', async () => {
    const jsonl = '{"a":1,"b":"x","c":{"d":[1,2]}}\n{"a":2,"b":null,"c":null}\n{"a":3,"b":"x","c":{"d":[]}}\n';
    const v = await h.service.create({ name: 'events', format: 'jsonl', body: body(jsonl) });
    expect(v).toMatchObject({ format: 'jsonl', header: false, rowCount: 3 });
    expect(v.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(column(v, 'a').stats).toMatchObject({ min: 1, max: 3, mean: 2 });
    expect(column(v, 'b').stats).toMatchObject({ count: 2, nulls: 1, topValues: [{ value: 'x', count: 2 }] });
    expect(column(v, 'c').type).toMatch(/^STRUCT/);
    expect(column(v, 'c').stats).toMatchObject({ count: 2, nulls: 1, min: null, histogram: null });
  });

  it('ingests Parquet', async () => {
    const file = path.join(h.root, 'input.parquet');
    await writeParquet(
      file,
      `SELECT range AS i, range * 0.5 AS x, 'v' || (range % 3) AS s, DATE '2024-01-01' + range::INTEGER AS d,
              TIMESTAMP '2024-01-01 00:00:00' + to_hours(range) AS ts FROM range(100)`,
    );
    const v = await h.service.create({ name: 'pq', format: 'parquet', body: createReadStream(file) });
    expect(v).toMatchObject({ format: 'parquet', rowCount: 100, sizeBytes: (await readFile(file)).length });
    expect(column(v, 'i').stats).toMatchObject({ min: 0, max: 99, mean: 49.5, distinct: 100, nulls: 0 });
    expect(column(v, 'x').stats).toMatchObject({ min: 0, max: 49.5 });
    expect(column(v, 's').stats.topValues).toEqual([{ value: 'v0', count: 34 }, { value: 'v1', count: 33 }, { value: 'v2', count: 33 }]);
    expect(column(v, 'd')).toMatchObject({ type: 'DATE', stats: { min: '2024-01-01', max: '2024-04-09' } });
    expect(column(v, 'ts').stats).toMatchObject({ min: '2024-01-01T00:00:00.000Z', max: '2024-01-05T03:00:00.000Z' });
    expect(column(v, 'i').stats.histogram?.every((bin) => bin.count === 5)).toBe(true);
  });

  it('ingests a table 2,001 columns wide, as CSV and as Parquet (more memory for a wider table)', async () => {
    const width = 2001;
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) lines.push(Array.from({ length: width }, (_, j) => (j === 0 ? i % 3 : (i * 7 + j) % 10 === 0 ? (i + j) / 8 : 0)).join(','));
    const v = await h.service.create({ name: 'wide', format: 'csv', header: false, body: body(`${lines.join('\n')}\n`) });
    expect(v).toMatchObject({ rowCount: 300 });
    expect(v.columns).toHaveLength(width);
    expect(column(v, '_c0').stats).toMatchObject({ min: 0, max: 2, distinct: 3 });
    const file = path.join(h.root, 'wide.parquet');
    await writeParquet(file, `SELECT ${Array.from({ length: width }, (_, j) => `(range * ${j + 1}) % 7 AS c${j}`).join(', ')} FROM range(300)`);
    const p = await h.service.create({ name: 'wide-pq', format: 'parquet', body: createReadStream(file) });
    expect(p.columns).toHaveLength(width);
    expect(column(p, 'c2000').stats).toMatchObject({ min: 0, max: 6, count: 300 });
  }, 120_000);

  it('widens a column whose late values do not fit the sampled type', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 30_000; i++) lines.push(`${i},${i}`);
    lines.push('1.5,text');
    const v = await h.service.create({ name: 'late', format: 'csv', header: true, body: body(`${lines.join('\n')}\n`) });
    expect(v.rowCount).toBe(30_001);
    expect(v.columns.map((c) => c.type)).toEqual(['DOUBLE', 'VARCHAR']);
  });

  it('creates from an object already in the artifact store', async () => {
    await h.artifacts.put('incoming/train.csv', 'y,x\n1,2\n0,3\n');
    const v = await h.service.create({ name: 'fromkey', format: 'csv', header: true, sourceKey: 'incoming/train.csv' });
    expect(v.rowCount).toBe(2);
    expect(await codeOf(h.service.create({ name: 'bad', format: 'csv', sourceKey: 'incoming/missing.csv' }))).toBe(
      'ORCH_ARTIFACT_NOT_FOUND',
    );
    await expectNothingLeft();
  });

  describe('refuses bad files and leaves nothing behind', () => {
    it('unbalanced quotes', async () => {
      const error = await failsWith({ content: 'a,b\n1,"x\n2,y\n' }, 'ORCH_DATASET_MALFORMED');
      expect(error.message).toMatch(/line 2.*unterminated quote/i);
    });

    it('unbalanced quotes after the sniffer sample', async () => {
      const rows = Array.from({ length: 30_000 }, (_, i) => `${i},${i}`).join('\n');
      const error = await failsWith({ content: `a,b\n${rows}\n1,"open\n2,3\n` }, 'ORCH_DATASET_MALFORMED');
      expect(error.message).toMatch(/line 30002/);
    });

    it('ragged rows', async () => {
      const error = await failsWith({ content: 'a,b\n1,2\n3,4,5\n6,7\n' }, 'ORCH_DATASET_MALFORMED');
      expect(error.message).toMatch(/line 3.*Expected Number of Columns: 2 Found: 3/);
      await failsWith({ content: 'a,b\n1,2\n3\n' }, 'ORCH_DATASET_MALFORMED');
    });

    it('NUL bytes', () => failsWith({ content: 'a,b\n1,\u0000\n' }, 'ORCH_DATASET_NUL_BYTE'));

    it('invalid UTF-8', () =>
      failsWith({ content: Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]) }, 'ORCH_DATASET_INVALID_UTF8'));

    it('an empty file, and one holding only a BOM', async () => {
      await failsWith({ content: '' }, 'ORCH_DATASET_EMPTY');
      await failsWith({ content: Buffer.from([0xef, 0xbb, 0xbf]) }, 'ORCH_DATASET_EMPTY');
    });

    it('a header with no rows', () => failsWith({ content: 'a,b\n' }, 'ORCH_DATASET_NO_ROWS'));

    it('duplicate column names', async () => {
      const error = await failsWith({ content: 'id,x,ID \n1,2,3\n' }, 'ORCH_DATASET_DUPLICATE_COLUMN');
      expect(error.message).toMatch(/id/i);
    });

    it('a single 50 MB line', async () => {
      const long = Buffer.alloc(50 * 1024 * 1024, 'x');
      await failsWith({ content: Buffer.concat([Buffer.from('a,b\n1,'), long, Buffer.from('\n')]) }, 'ORCH_DATASET_LINE_TOO_LONG');
      await failsWith({ content: long, header: false }, 'ORCH_DATASET_LINE_TOO_LONG');
      await failsWith({ content: long, header: true }, 'ORCH_DATASET_LINE_TOO_LONG');
    });

    it('malformed JSON Lines', async () => {
      const error = await failsWith({ content: '{"a":1}\n{"a":\n', format: 'jsonl' }, 'ORCH_DATASET_MALFORMED');
      expect(error.message).toMatch(/line/);
    });

    it('a file that is not Parquet', () => failsWith({ content: 'a,b\n1,2\n', format: 'parquet' }, 'ORCH_DATASET_MALFORMED'));

    it('a Parquet file with a valid magic but a corrupt body', async () => {
      const content = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]);
      await failsWith({ content, format: 'parquet' }, 'ORCH_DATASET_MALFORMED');
    });

    it('an upload that is cut off midway', async () => {
      const cut = new Readable({
        read() {
          this.push('a,b\n1,2\n3,');
          this.destroy(new Error('socket hang up'));
        },
      });
      await failsWith({ body: cut }, 'ORCH_DATASET_UPLOAD_INCOMPLETE');
    });

    it('an upload that ends short of its announced size', () =>
      failsWith({ content: 'a,b\n1,2\n', expectedSize: 1000 }, 'ORCH_DATASET_UPLOAD_INCOMPLETE'));

    it('bad names and formats', async () => {
      for (const name of ['../x', 'a/b', '%2e%2e', '', `a${'b'.repeat(128)}`]) {
        expect(await codeOf(h.service.create({ name, format: 'csv', body: body('a\n1\n') }))).toBe('ORCH_DATASET_INVALID_NAME');
      }
      const format = 'xlsx' as CreateDatasetInput['format'];
      expect(await codeOf(h.service.create({ name: 'bad', format, body: body('a\n1\n') }))).toBe('ORCH_DATASET_INVALID_FORMAT');
      expect(await codeOf(h.service.create({ name: 'bad', format: 'csv' }))).toBe('ORCH_DATASET_INVALID');
      await expectNothingLeft();
    });
  });

  it('refuses an upload over the size limit', async () => {
    const small = await openHarness({ maxUploadBytes: 1000 });
    try {
      const error = await errorOf(small.service.create({ name: 'big', format: 'csv', body: body(`a\n${'1\n'.repeat(1000)}`) }));
      expect(error.code).toBe('ORCH_DATASET_TOO_LARGE');
      expect((await small.service.list()).total).toBe(0);
      expect(await filesUnder(path.join(small.workDir, 'uploads'))).toEqual([]);
    } finally {
      await small.cleanup();
    }
  });
});
