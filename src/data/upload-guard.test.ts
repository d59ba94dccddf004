import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { codeOf } from './test-harness.js';
import { incompleteUtf8Tail, receiveUpload, type UploadGuardOptions } from './upload-guard.js';

describe('upload guard', () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orchard-guard-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const csv = (extra: Partial<UploadGuardOptions> = {}): UploadGuardOptions => ({ format: 'csv', maxBytes: 1 << 20, ...extra });
  const chunked = (data: Buffer, size: number) =>
    Readable.from(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)));

  async function receive(source: Readable, options: UploadGuardOptions) {
    const file = path.join(dir, `u${n++}`);
    const receipt = await receiveUpload(source, file, options);
    return { receipt, content: await readFile(file) };
  }

  it('passes valid UTF-8 split at every possible chunk boundary', async () => {
    const text = Buffer.from('a,é,€,𝄞\nß,日本,😀\n');
    for (const size of [1, 2, 3, 5, 7]) {
      const { receipt, content } = await receive(chunked(text, size), csv());
      expect(content.equals(text)).toBe(true);
      expect(receipt.sha256).toBe(createHash('sha256').update(text).digest('hex'));
      expect(receipt.storedBytes).toBe(text.length);
    }
  });

  it('strips a leading BOM even when it arrives one byte at a time', async () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n1,2\n')]);
    const { receipt, content } = await receive(chunked(text, 1), csv());
    expect(content.toString()).toBe('a,b\n1,2\n');
    expect(receipt.receivedBytes).toBe(text.length);
    expect(receipt.storedBytes).toBe(text.length - 3);
  });

  it('refuses invalid UTF-8, including a sequence cut off at the end', async () => {
    expect(await codeOf(receive(chunked(Buffer.from([0x61, 0xff, 0x62]), 2), csv()))).toBe('ORCH_DATASET_INVALID_UTF8');
    expect(await codeOf(receive(chunked(Buffer.from([0x61, 0xe2, 0x82]), 1), csv()))).toBe('ORCH_DATASET_INVALID_UTF8');
    expect(await codeOf(receive(chunked(Buffer.from([0xc3, 0x28]), 1), csv()))).toBe('ORCH_DATASET_INVALID_UTF8');
  });

  it('refuses NUL bytes in text formats only', async () => {
    expect(await codeOf(receive(chunked(Buffer.from('a\0b\n'), 64), csv()))).toBe('ORCH_DATASET_NUL_BYTE');
    expect(await codeOf(receive(chunked(Buffer.from('{"a":"\0"}\n'), 64), csv({ format: 'jsonl' })))).toBe(
      'ORCH_DATASET_NUL_BYTE',
    );
    const parquetish = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(8), Buffer.from('PAR1')]);
    expect((await receive(chunked(parquetish, 3), csv({ format: 'parquet' }))).content.equals(parquetish)).toBe(true);
  });

  it('checks the Parquet magic at both ends', async () => {
    const bad = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(8), Buffer.from('XXXX')]);
    expect(await codeOf(receive(chunked(bad, 5), csv({ format: 'parquet' })))).toBe('ORCH_DATASET_MALFORMED');
  });

  it('enforces the size limit and the announced size', async () => {
    const data = Buffer.from('x'.repeat(1000));
    expect(await codeOf(receive(chunked(data, 100), csv({ maxBytes: 999 })))).toBe('ORCH_DATASET_TOO_LARGE');
    expect(await codeOf(receive(chunked(data, 100), csv({ expectedSize: 2000 })))).toBe('ORCH_DATASET_UPLOAD_INCOMPLETE');
    expect(await codeOf(receive(chunked(data, 100), csv({ expectedSize: 10 })))).toBe('ORCH_DATASET_TOO_LARGE');
  });

  it('turns a failing source into ORCH_DATASET_UPLOAD_INCOMPLETE', async () => {
    const failing = new Readable({
      read() {
        this.push('a,b\n1,2\n');
        this.destroy(new Error('connection reset'));
      },
    });
    expect(await codeOf(receive(failing, csv()))).toBe('ORCH_DATASET_UPLOAD_INCOMPLETE');
  });

  it('refuses an empty upload, and one that is only a BOM', async () => {
    expect(await codeOf(receive(Readable.from([]), csv()))).toBe('ORCH_DATASET_EMPTY');
    expect(await codeOf(receive(chunked(Buffer.from([0xef, 0xbb, 0xbf]), 1), csv()))).toBe('ORCH_DATASET_EMPTY');
  });

  it('finds incomplete trailing sequences', () => {
    expect(incompleteUtf8Tail(Buffer.from('abc'))).toBe(0);
    expect(incompleteUtf8Tail(Buffer.from([0x61, 0xe2, 0x82]))).toBe(2);
    expect(incompleteUtf8Tail(Buffer.from([0x61, 0xf0]))).toBe(1);
    expect(incompleteUtf8Tail(Buffer.from('€'))).toBe(0);
    expect(incompleteUtf8Tail(Buffer.from('😀'))).toBe(0);
  });
});
