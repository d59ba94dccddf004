/**
 * Child-process entry of one endpoint instance: a model server with SageMaker's
 * inference contract on 127.0.0.1 — `GET /ping` (200 once the model is loaded) and
 * `POST /invocations` (CSV, JSON or JSON Lines in; the Accept type out) — and the same
 * invocations as frames on the router's channel (see protocol.ts).
 *
 * Plain `node:http` rather than the API's framework: it has two routes. Protocol with
 * the parent: argv[2] is the JSON spec; once listening the server sends
 * `{ type: 'listening', port }` over IPC, and it exits when the parent goes away (the
 * IPC channel closes).
 */
import http from 'node:http';
import net from 'node:net';
import { OrchardError, isOrchardError } from '../../core/index.js';
import { openPredictor, type ServingPredictor } from '../predictor.js';
import { acceptedType, decode, encode, InputError, mediaTypeOf, type MediaType } from './codecs.js';
import { encodeExplained, explainRequested } from './explain.js';
import { CHANNEL_FD, decodeRequest, encodeResponse, FrameReader, MODEL_LOAD_FAILED_EXIT, TEST_DELAY_HEADER, type ModelServerSpec } from './protocol.js';

const JSON_TYPE = 'application/json';

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function main(): void {
  const spec = JSON.parse(process.argv[2]) as ModelServerSpec;
  process.on('disconnect', () => process.exit(0));
  openPredictor(spec.model).then(
    (predictor) => {
      serveChannel(spec, predictor);
      listen(spec, predictor);
    },
    (err: unknown) => {
      process.stderr.write(`model failed to load: ${(err as Error).message ?? err}\n`);
      process.send?.({ type: 'failed', message: (err as Error).message ?? String(err) });
      process.exit(MODEL_LOAD_FAILED_EXIT);
    },
  );
}

/**
 * One invocation, whichever way it came: the answer itself when the model predicts
 * synchronously (the built-ins: no promise per request), else a promise of it.
 */
function answer(predictor: ServingPredictor, contentType: string | undefined, accept: string | undefined, body: Buffer, explain = false): Answer | Promise<Answer> {
  try {
    const type = mediaTypeOf(contentType);
    // A model that reads images (image-classification) is given the image's bytes.
    const image = !type && predictor.invokeImage ? imageTypeOf(contentType) : null;
    if (image) return { status: 200, ...predictor.invokeImage!({ contentType: image, accept, body }) };
    if (!type) {
      throw new OrchardError('ORCH_ENDPOINT_UNSUPPORTED_CONTENT_TYPE', {
        message: `Content-Type ${JSON.stringify(contentType ?? '')} is not supported; use text/csv, application/json or application/jsonlines`,
      });
    }
    // A model that reads whole documents (DeepAR's instances) answers the body itself.
    if (predictor.invoke) return { status: 200, ...predictor.invoke({ contentType: type, accept, body }) };
    const responseType = acceptedType(accept || undefined, type);
    if (!responseType) {
      throw new OrchardError('ORCH_ENDPOINT_UNSUPPORTED_ACCEPT', { message: `Accept ${JSON.stringify(accept)} is not supported; use text/csv, application/json or application/jsonlines` });
    }
    if (explain) return explained(predictor, type, responseType, body);
    const rows = decodeRows(predictor, type, body);
    const n = rows.rows;
    if (predictor.predictSync) {
      const { values, outputsPerRow } = predictor.predictSync(rows.features, n);
      return { status: 200, contentType: responseType, body: encode(responseType, values, n, outputsPerRow) };
    }
    return predictor.predict(rows.features, n).then(
      ({ values, outputsPerRow }) => ({ status: 200, contentType: responseType, body: encode(responseType, values, n, outputsPerRow) }),
      failed,
    );
  } catch (err) {
    return failed(err);
  }
}

/** A request's rows: raw rows through an inference pipeline's recipe, else numbers. */
function decodeRows(predictor: ServingPredictor, type: MediaType, body: Buffer) {
  const pipeline = predictor.pipeline;
  try {
    return pipeline ? pipeline.decode(type, body) : decode(type, body, predictor.numFeatures);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const shape = pipeline ? { columns: pipeline.columns.names } : { numFeatures: predictor.numFeatures };
    throw new OrchardError('ORCH_ENDPOINT_BAD_INPUT', { message: err.message, details: err.row > 0 ? { row: err.row, ...shape } : shape });
  }
}

/** Predictions with explanations (explain.ts), answered as JSON only. */
function explained(predictor: ServingPredictor, type: MediaType, responseType: MediaType, body: Buffer): Answer | Promise<Answer> {
  const explain = predictor.explain;
  if (!explain) {
    throw new OrchardError('ORCH_ENDPOINT_INVALID', {
      message: "This endpoint's model does not explain its predictions (xgboost, linear-learner and AutoML ensembles do); send the request without explain=true",
      details: { explain: true },
    });
  }
  if (responseType !== 'application/json') {
    throw new OrchardError('ORCH_ENDPOINT_INVALID', { message: 'Explanations are answered as application/json; send Accept: application/json', details: { accept: responseType } });
  }
  const rows = decodeRows(predictor, type, body);
  const n = rows.rows;
  const e = explain(rows.features, n);
  const build = ({ values, outputsPerRow }: { values: Float32Array; outputsPerRow: number }): Answer => ({
    status: 200,
    contentType: responseType,
    body: encodeExplained(values, n, outputsPerRow, e, predictor.numFeatures, predictor.pipeline?.featureColumns),
  });
  if (predictor.predictSync) return build(predictor.predictSync(rows.features, n));
  return predictor.predict(rows.features, n).then(build, failed);
}

/** `image/png`, `image/jpeg` or `application/x-image` from a Content-Type header, else null. */
function imageTypeOf(header: string | undefined): 'image/png' | 'image/jpeg' | 'application/x-image' | null {
  const base = (header ?? '').split(';')[0].trim().toLowerCase();
  return base === 'image/png' || base === 'image/jpeg' || base === 'application/x-image' ? base : base === 'image/jpg' ? 'image/jpeg' : null;
}

function failed(err: unknown): Answer {
  const e = isOrchardError(err) ? err : new OrchardError('ORCH_ENDPOINT_MODEL_ERROR', { message: `The model failed: ${(err as Error).message ?? err}` });
  return { status: e.status, contentType: JSON_TYPE, body: JSON.stringify(e.toJSON()) };
}

/** Calls `then` with the answer: at once when it is ready, else when its promise settles. */
function whenAnswered(a: Answer | Promise<Answer>, then: (a: Answer) => void): void {
  if (a instanceof Promise) void a.then(then);
  else then(a);
}

/** The router's channel: frames in, frames out; answers of one event-loop turn leave in one write. */
function serveChannel(spec: ModelServerSpec, predictor: ServingPredictor): void {
  const channel = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  const reader = new FrameReader();
  let corked = false;
  const uncork = () => {
    corked = false;
    channel.uncork();
  };
  const send = (id: number, a: Answer) => {
    if (!corked) {
      corked = true;
      channel.cork();
      setImmediate(uncork);
    }
    channel.write(encodeResponse({ id, ...a }));
  };
  channel.on('data', (chunk: Buffer) =>
    reader.push(chunk, (frame) => {
      const r = decodeRequest(frame);
      const run = () => whenAnswered(answer(predictor, r.contentType, r.accept, r.body, r.explain), (a) => send(r.id, a));
      if (spec.testDelays && r.delayMs > 0) setTimeout(run, r.delayMs);
      else run();
    }),
  );
  channel.on('error', () => process.exit(1));
  channel.on('close', () => process.exit(0));
}

function listen(spec: ModelServerSpec, predictor: ServingPredictor): void {
  const server = http.createServer((req, res) => {
    if (req.url === '/invocations') {
      if (req.method === 'POST') invocations(spec, predictor, req, res);
      else fail(res, new OrchardError('ORCH_ENDPOINT_METHOD_NOT_ALLOWED', { message: 'POST /invocations' }));
    } else if (req.url === '/ping') {
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '20' });
      res.end('{"status":"Healthy"}');
    } else {
      req.resume();
      fail(res, new OrchardError('ORCH_ENDPOINT_ROUTE_NOT_FOUND', { message: 'GET /ping or POST /invocations' }));
    }
  });
  server.keepAliveTimeout = 120_000;
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
    const run = () =>
      whenAnswered(answer(predictor, req.headers['content-type'], req.headers.accept, body, explainRequested(req.headers['x-amzn-sagemaker-custom-attributes'], req.url)), (a) => {
        res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body) });
        res.end(a.body);
      });
    const delay = spec.testDelays ? Number(req.headers[TEST_DELAY_HEADER] ?? 0) : 0;
    if (delay > 0) setTimeout(run, delay);
    else run();
  });
}

function tooLarge(limit: number): OrchardError {
  return new OrchardError('ORCH_ENDPOINT_PAYLOAD_TOO_LARGE', { message: `The request body is larger than ${limit} bytes`, details: { limit } });
}

function fail(res: http.ServerResponse, err: OrchardError): void {
  if (res.headersSent) return;
  const text = JSON.stringify(err.toJSON());
  res.writeHead(err.status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

main();
