/** What the platform and its model-server processes agree on. */
import type { PredictorSource } from '../predictor.js';

/** argv[2] of a model server, as JSON. */
export interface ModelServerSpec {
  model: PredictorSource;
  host: string;
  /** 0: any free port (reported back over IPC). */
  port: number;
  maxPayloadBytes: number;
  /** Honour TEST_DELAY_HEADER (tests of timeouts and crashes only). */
  testDelays: boolean;
}

/** Messages a model server sends over IPC. */
export type ModelServerMessage = { type: 'listening'; port: number } | { type: 'failed'; message: string };

/** Exit code of a model server whose model cannot be loaded: restarting would not help. */
export const MODEL_LOAD_FAILED_EXIT = 3;

/** Milliseconds a model server waits before answering, when started with `testDelays`. */
export const TEST_DELAY_HEADER = 'x-orchard-test-delay-ms';

/** SageMaker's largest real-time request payload. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The router's channel to a model server: a socket pair on this file descriptor of the
 * child, carrying length-prefixed frames — cheaper per request than HTTP (no header
 * parsing, no per-request objects), and many requests travel in one write under load.
 * The HTTP `/invocations` route answers the same requests for anyone calling the model
 * server directly; both go through one handler.
 *
 * Request:  u32 length | u32 id | u32 test delay ms | u8 flags (1: explain) | u8 n | content type | u8 n | accept | body
 * Response: u32 length | u32 id | u16 status | u8 n | content type | body
 * (little-endian; length counts the bytes after itself).
 */
export const CHANNEL_FD = 4;

export interface ChannelRequest {
  id: number;
  delayMs: number;
  contentType: string;
  accept: string;
  body: Buffer;
  /** Answer with explanations (see explain.ts); absent or false on a plain invocation. */
  explain?: boolean;
}

export interface ChannelResponse {
  id: number;
  status: number;
  contentType: string;
  body: Buffer;
}

function short(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  return b.length > 255 ? b.subarray(0, 255) : b;
}

export function encodeRequest(r: ChannelRequest): Buffer[] {
  const ct = short(r.contentType);
  const accept = short(r.accept);
  const head = 15 + ct.length + accept.length;
  const out = Buffer.allocUnsafe(head + (r.body.length < 65_536 ? r.body.length : 0));
  out.writeUInt32LE(head - 4 + r.body.length, 0);
  out.writeUInt32LE(r.id, 4);
  out.writeUInt32LE(r.delayMs, 8);
  out[12] = r.explain ? 1 : 0;
  out[13] = ct.length;
  ct.copy(out, 14);
  out[14 + ct.length] = accept.length;
  accept.copy(out, 15 + ct.length);
  if (r.body.length < 65_536) {
    r.body.copy(out, head);
    return [out];
  }
  return [out, r.body];
}

export function decodeRequest(frame: Buffer): ChannelRequest {
  const ctLen = frame[9];
  const acceptLen = frame[10 + ctLen];
  return {
    id: frame.readUInt32LE(0),
    delayMs: frame.readUInt32LE(4),
    contentType: frame.toString('latin1', 10, 10 + ctLen),
    accept: frame.toString('latin1', 11 + ctLen, 11 + ctLen + acceptLen),
    body: frame.subarray(11 + ctLen + acceptLen),
    explain: frame[8] === 1,
  };
}

export function encodeResponse(r: { id: number; status: number; contentType: string; body: string }): Buffer {
  const ct = short(r.contentType);
  const bodyLen = Buffer.byteLength(r.body);
  const head = 11 + ct.length;
  const out = Buffer.allocUnsafe(head + bodyLen);
  out.writeUInt32LE(head - 4 + bodyLen, 0);
  out.writeUInt32LE(r.id, 4);
  out.writeUInt16LE(r.status, 8);
  out[10] = ct.length;
  ct.copy(out, 11);
  out.write(r.body, head, 'utf8');
  return out;
}

export function decodeResponse(frame: Buffer): ChannelResponse {
  const ctLen = frame[6];
  return { id: frame.readUInt32LE(0), status: frame.readUInt16LE(4), contentType: frame.toString('latin1', 7, 7 + ctLen), body: frame.subarray(7 + ctLen) };
}

/** Splits a byte stream into frames (each without its length prefix). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  /** Adds bytes; calls `onFrame` for every frame now complete. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (this.size === 0 && this.chunks.length === 0) {
      // The common case: whole frames in one chunk, sliced without copying.
      let off = 0;
      while (chunk.length - off >= 4) {
        const len = chunk.readUInt32LE(off);
        if (chunk.length - off - 4 < len) break;
        onFrame(chunk.subarray(off + 4, off + 4 + len));
        off += 4 + len;
      }
      if (off < chunk.length) {
        this.chunks.push(chunk.subarray(off));
        this.size = chunk.length - off;
      }
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    for (;;) {
      if (this.size < 4) return;
      if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks)];
      const len = this.chunks[0].readUInt32LE(0);
      // Joined only once the whole frame is here (a 6 MB body arrives in many chunks).
      if (this.size - 4 < len) return;
      const first = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const frame = first.subarray(4, 4 + len);
      const rest = first.subarray(4 + len);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
      onFrame(frame);
    }
  }
}
