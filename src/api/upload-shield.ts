import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/** Most a refused upload may still send before its connection is dropped. */
const LINGER_BYTES = 64 * 1024 * 1024;
/** Longest a refused upload is read (and dropped) before its connection is dropped. */
const LINGER_MS = 10_000;

/**
 * Streamed uploads (every body that is not JSON) reach their route through a stream of
 * their own, so that a consumer that fails midway (a full disk, a refused file) tears
 * down that stream only, never the request and its socket: the error answer can still
 * be sent while the client is sending. A client that goes away still ends the stream
 * with an error, as a cut-off upload.
 */
export function installUploadShield(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const type = request.headers['content-type'];
    if (request.raw.complete || type === undefined || /^application\/json\b/i.test(type)) return payload;
    const shield = new PassThrough();
    const raw = payload as Readable & Partial<IncomingMessage>;
    raw.on('error', (err) => shield.destroy(err));
    raw.on('close', () => {
      if (raw.complete === false && !shield.destroyed) shield.destroy(Object.assign(new Error('The client closed the upload'), { code: 'ECONNRESET' }));
    });
    raw.pipe(shield);
    return shield;
  });
}

/**
 * Called once the answer is sent: reads and drops the rest of a refused request, then
 * closes the connection (at its end, or after 64 MiB or 10 s). Closing at once would reset the connection
 * while the client is still sending, and a reset can discard the answer before the
 * client reads it: the client would see EPIPE instead of the error (the lingering close
 * of RFC 9112 §9.6).
 */
export function lingerThenClose(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  let seen = 0;
  const drop = () => req.socket?.destroy();
  const timer = setTimeout(drop, LINGER_MS);
  timer.unref();
  req.unpipe();
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER_BYTES) drop();
  });
  req.on('error', () => undefined);
  // All of it arrived: close after the answer (queued before this) has gone out.
  req.on('end', () => req.socket?.end());
  req.on('close', () => clearTimeout(timer));
  req.resume();
}
