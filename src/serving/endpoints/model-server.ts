/**
 * Child-process entry of one endpoint instance: a model server with SageMaker's
 * inference contract on 127.0.0.1 — `GET /ping` (200 once the model is loaded) and
 * `POST /invocations` (CSV, JSON or JSON Lines in; the Accept type out).
 *
 * Plain `node:http` rather than the API's framework: this is the hot path and it has
 * two routes. Protocol with the parent: argv[2] is the JSON spec; once listening the
 * server sends `{ type: 'listening', port }` over IPC, and it exits when the parent
 * goes away (the IPC channel closes).
 */
import http from 'node:http';
import { OrchardError, isOrchardError } from '../../core/index.js';
import { openPredictor, type ServingPredictor } from '../predictor.js';
import { acceptedType, decode, encode, InputError, mediaTypeOf, type MediaType } from './codecs.js';
import { MODEL_LOAD_FAILED_EXIT, TEST_DELAY_HEADER, type ModelServerSpec } from './protocol.js';

const JSON_TYPE = 'application/json';

function main(): void {
  const spec = JSON.parse(process.argv[2]) as ModelServerSpec;
  process.on('disconnect', () => process.exit(0));
  openPredictor(spec.model).then(
    (predictor) => listen(spec, predictor),
    (err: unknown) => {
      process.stderr.write(`model failed to load: ${(err as Error).message ?? err}\n`);
      process.send?.({ type: 'failed', message: (err as Error).message ?? String(err) });
      process.exit(MODEL_LOAD_FAILED_EXIT);
    },
  );
}

function listen(spec: ModelServerSpec, predictor: ServingPredictor): void {
  const server = http.createServer((req, res) => {
    if (req.url === '/invocations') {
      if (req.method === 'POST') invocations(spec, predictor, req, res);
      else fail(res, new OrchardError('ORCH_API_METHOD_NOT_ALLOWED', { message: 'POST /invocations' }));
    } else if (req.url === '/ping') {
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '20' });
      res.end('{"status":"Healthy"}');
    } else {
      req.resume();
      fail(res, new OrchardError('ORCH_API_NOT_FOUND', { message: 'GET /ping or POST /invocations' }));
    }
  });
  // The router keeps its connections open; never close one it is about to reuse.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  server.listen(spec.port, spec.host, () => {
    const address = server.address();
    process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : spec.port });
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

function invocations(spec: ModelServerSpec, predictor: ServingPredictor, req: http.IncomingMessage, res: http.ServerResponse): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > spec.maxPayloadBytes) {
    res.setHeader('connection', 'close');
    fail(res, tooLarge(spec.maxPayloadBytes));
    req.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > spec.maxPayloadBytes) {
      res.setHeader('connection', 'close');
      fail(res, tooLarge(spec.maxPayloadBytes));
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const delay = spec.testDelays ? Number(req.headers[TEST_DELAY_HEADER] ?? 0) : 0;
    if (delay > 0) setTimeout(() => void answer(predictor, req, res, body), delay);
    else void answer(predictor, req, res, body);
  });
}

async function answer(predictor: ServingPredictor, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
  try {
    const type = mediaTypeOf(req.headers['content-type']);
    if (!type) {
      throw new OrchardError('ORCH_API_UNSUPPORTED_MEDIA_TYPE', {
        message: `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not supported; use text/csv, application/json or application/jsonlines`,
      });
    }
    const accept = acceptedType(req.headers.accept, type);
    if (!accept) {
      throw new OrchardError('ORCH_ENDPOINT_UNSUPPORTED_ACCEPT', { message: `Accept ${JSON.stringify(req.headers.accept)} is not supported; use text/csv, application/json or application/jsonlines` });
    }
    const { features, rows } = decodeOrThrow(type, body, predictor.numFeatures);
    const { values, outputsPerRow } = await predictor.predict(features, rows);
    const text = encode(accept, values, rows, outputsPerRow);
    res.writeHead(200, { 'content-type': accept, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } catch (err) {
    fail(res, isOrchardError(err) ? err : new OrchardError('ORCH_ENDPOINT_MODEL_ERROR', { message: `The model failed: ${(err as Error).message ?? err}` }));
  }
}

function decodeOrThrow(type: MediaType, body: Buffer, numFeatures: number) {
  try {
    return decode(type, body, numFeatures);
  } catch (err) {
    if (err instanceof InputError) {
      throw new OrchardError('ORCH_ENDPOINT_BAD_INPUT', { message: err.message, details: err.row > 0 ? { row: err.row, numFeatures } : { numFeatures } });
    }
    throw err;
  }
}

function tooLarge(limit: number): OrchardError {
  return new OrchardError('ORCH_API_BODY_TOO_LARGE', { message: `The request body is larger than ${limit} bytes`, details: { limit } });
}

function fail(res: http.ServerResponse, err: OrchardError): void {
  if (res.headersSent) return;
  const text = JSON.stringify(err.toJSON());
  res.writeHead(err.status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

main();
