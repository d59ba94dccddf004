import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OrchardError, isOrchardError, isStorageFull } from '../core/index.js';
import type { DatasetFormat } from './types.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const PARQUET_MAGIC = Buffer.from('PAR1', 'ascii');
/** Header magic + footer length + footer magic: nothing shorter can be Parquet. */
const PARQUET_MIN_SIZE = 12;

export interface UploadGuardOptions {
  format: DatasetFormat;
  /** Largest accepted upload in bytes (`ORCH_DATASET_TOO_LARGE` beyond). */
  maxBytes: number;
  /** Size the client announced, when known. */
  expectedSize?: number;
}

/** What the guard saw once the stream ended cleanly. */
export interface UploadReceipt {
  /** Bytes that arrived, BOM included (what `expectedSize` and the limit count). */
  receivedBytes: number;
  /** Bytes passed on (and stored): the upload without a leading BOM. */
  storedBytes: number;
  /** Hex sha256 of the stored bytes. */
  sha256: string;
}

/**
 * A pass-through Transform that validates an upload as it streams, so a bad file
 * fails early and the bytes are never held in memory: it counts bytes against the
 * limit and the announced size, hashes what it passes on, and for text formats
 * refuses NUL bytes and invalid UTF-8 (checked chunk by chunk, carrying a multibyte
 * sequence split across chunks) and drops a leading UTF-8 BOM. For Parquet it
 * checks the `PAR1` magic at both ends.
 */
export class UploadGuard extends Transform {
  private readonly options: UploadGuardOptions;
  private readonly text: boolean;
  private readonly hash: Hash = createHash('sha256');
  private received = 0;
  private stored = 0;
  /** Text formats: first bytes held until we know whether they are a BOM. */
  private head: Buffer | null = Buffer.alloc(0);
  /** Text formats: an incomplete UTF-8 sequence at the end of the last chunk. */
  private carry: Buffer = Buffer.alloc(0);
  private parquetHead: Buffer = Buffer.alloc(0);
  private parquetTail: Buffer = Buffer.alloc(0);

  constructor(options: UploadGuardOptions) {
    super();
    this.options = options;
    this.text = options.format !== 'parquet';
  }

  /** Valid once the stream has finished. */
  receipt(): UploadReceipt {
    return { receivedBytes: this.received, storedBytes: this.stored, sha256: this.hash.copy().digest('hex') };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.accept(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private accept(chunk: Buffer): void {
    const offset = this.received;
    this.received += chunk.length;
    this.checkSize();
    if (!this.text) {
      this.trackParquetMagic(chunk);
      this.pass(chunk);
      return;
    }
    let data: Buffer | null = chunk;
    if (this.head) {
      data = this.takeHead(chunk, false);
      if (!data) return;
    }
    this.checkText(data, offset);
    this.pass(data);
  }

  private checkSize(): void {
    const { maxBytes, expectedSize } = this.options;
    if (this.received > maxBytes) {
      throw new OrchardError('ORCH_DATASET_TOO_LARGE', {
        message: `The upload is larger than the limit of ${maxBytes} bytes`,
        details: { maxBytes },
      });
    }
    if (expectedSize !== undefined && this.received > expectedSize) {
      // More bytes than announced: the body and its declared size disagree.
      throw new OrchardError('ORCH_DATASET_TOO_LARGE', {
        message: `The upload is larger than its declared size of ${expectedSize} bytes`,
        details: { expectedSize },
      });
    }
  }

  /**
   * Holds the first bytes until there are enough to tell a BOM apart (a client may
   * send one byte per chunk); returns the bytes to pass on, or null to keep waiting.
   */
  private takeHead(chunk: Buffer, ending: boolean): Buffer | null {
    const head = Buffer.concat([this.head as Buffer, chunk]);
    if (head.length < BOM.length && !ending) {
      this.head = head;
      return null;
    }
    this.head = null;
    return head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
  }

  private checkText(chunk: Buffer, offset: number): void {
    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      throw new OrchardError('ORCH_DATASET_NUL_BYTE', {
        message: `The file contains a NUL byte (near byte ${offset + nul}); ${this.options.format} files must be text`,
        details: { byteOffset: offset + nul },
      });
    }
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const pending = incompleteUtf8Tail(data);
    if (!isUtf8(data.subarray(0, data.length - pending))) {
      throw invalidUtf8(offset);
    }
    this.carry = Buffer.from(data.subarray(data.length - pending));
  }

  private trackParquetMagic(chunk: Buffer): void {
    if (this.parquetHead.length < PARQUET_MAGIC.length) {
      const missing = PARQUET_MAGIC.length - this.parquetHead.length;
      this.parquetHead = Buffer.concat([this.parquetHead, chunk.subarray(0, missing)]);
    }
    const tail = Buffer.concat([this.parquetTail, chunk.subarray(-PARQUET_MAGIC.length)]);
    this.parquetTail = Buffer.from(tail.subarray(-PARQUET_MAGIC.length));
  }

  private pass(data: Buffer): void {
    if (data.length === 0) return;
    this.stored += data.length;
    this.hash.update(data);
    this.push(data);
  }

  private finish(): void {
    if (this.text && this.head) {
      const data = this.takeHead(Buffer.alloc(0), true) as Buffer;
      this.checkText(data, 0);
      this.pass(data);
    }
    if (this.text && this.carry.length) throw invalidUtf8(this.received - this.carry.length);
    const { expectedSize } = this.options;
    if (expectedSize !== undefined && this.received < expectedSize) {
      throw new OrchardError('ORCH_DATASET_UPLOAD_INCOMPLETE', {
        message: `The upload ended after ${this.received} of ${expectedSize} bytes`,
        details: { receivedBytes: this.received, expectedSize },
      });
    }
    if (this.stored === 0) throw new OrchardError('ORCH_DATASET_EMPTY');
    if (!this.text) this.checkParquetMagic();
  }

  private checkParquetMagic(): void {
    if (
      this.received < PARQUET_MIN_SIZE ||
      !this.parquetHead.equals(PARQUET_MAGIC) ||
      !this.parquetTail.equals(PARQUET_MAGIC)
    ) {
      throw new OrchardError('ORCH_DATASET_MALFORMED', {
        message: 'The file is not a Parquet file (no PAR1 magic at its start and end)',
      });
    }
  }
}

function invalidUtf8(offset: number): OrchardError {
  return new OrchardError('ORCH_DATASET_INVALID_UTF8', {
    message: `The file is not valid UTF-8 (near byte ${offset}); save it as UTF-8`,
    details: { byteOffset: offset },
  });
}

/**
 * Length of a UTF-8 sequence that starts near the end of `buf` but is cut short by
 * the chunk boundary (0 when the buffer ends on a boundary). Such bytes are carried
 * over to the next chunk instead of being judged invalid.
 */
export function incompleteUtf8Tail(buf: Buffer): number {
  const limit = Math.min(3, buf.length);
  for (let back = 1; back <= limit; back++) {
    const byte = buf[buf.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * Streams `source` through an {@link UploadGuard} into a new file at `destPath`.
 * Validation errors keep their codes; a source that errors or is destroyed midway
 * becomes `ORCH_DATASET_UPLOAD_INCOMPLETE`, a full disk `ORCH_STORAGE_FULL`. The caller
 * removes `destPath` on failure.
 */
export async function receiveUpload(
  source: Readable,
  destPath: string,
  options: UploadGuardOptions,
): Promise<UploadReceipt> {
  const guard = new UploadGuard(options);
  let sourceError: unknown;
  const onSourceError = (err: unknown) => {
    sourceError ??= err;
  };
  source.on('error', onSourceError);
  try {
    await pipeline(source, guard, createWriteStream(destPath, { flags: 'wx' }));
    return guard.receipt();
  } catch (err) {
    if (isOrchardError(err)) throw err;
    // Checked first: a failed write also tears down the source, which looks like a cut-off upload.
    if (isStorageFull(err)) {
      throw new OrchardError('ORCH_STORAGE_FULL', { message: `The server ran out of storage space after ${guard.receipt().receivedBytes} bytes of the upload; free some and retry`, cause: err });
    }
    const code = (err as { code?: string } | null)?.code;
    if (sourceError !== undefined || code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new OrchardError('ORCH_DATASET_UPLOAD_INCOMPLETE', {
        message: `The upload was cut off after ${guard.receipt().receivedBytes} bytes`,
        cause: err,
      });
    }
    throw new OrchardError('ORCH_INTERNAL', { message: 'Could not write the upload to local disk', cause: err });
  } finally {
    source.off('error', onSourceError);
  }
}
