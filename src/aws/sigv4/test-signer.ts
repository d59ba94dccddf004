/**
 * For tests: the real AWS signer (`@smithy/signature-v4`, what the AWS SDKs use) over
 * node:crypto, so tests sign requests exactly as clients do.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(new Uint8Array(data));
}

/** The hash and HMAC constructor the signer asks for. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface TestSignerOptions {
  service: string;
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Add `x-amz-content-sha256` (S3 clients do; botocore's JSON services do not). @default service === 's3' */
  applyChecksum?: boolean;
}

/** A signer as the SDKs configure it: S3 signs its path as sent, other services encode it again. */
export function testSigner(options: TestSignerOptions): SignatureV4 {
  return new SignatureV4({
    service: options.service,
    region: options.region ?? 'us-east-1',
    sha256: NodeSha256,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    uriEscapePath: options.service !== 's3',
    applyChecksum: options.applyChecksum ?? options.service === 's3',
  });
}
