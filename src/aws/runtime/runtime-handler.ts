/**
 * SageMaker Runtime's `InvokeEndpoint` at the root: `POST /endpoints/{EndpointName}/invocations`,
 * answered before the framework sees it, like Orchard's own invocation route
 * (src/api/routes/endpoint-invocations.ts), whose body reading and endpoint service call it
 * shares. Callers sign with SigV4 (boto3, the AWS SDKs) or send a Bearer token; errors are
 * restJson1 errors the SDKs turn into their exception classes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bufferedBody, discard, readBody } from '../../api/routes/endpoint-invocations.js';
import { can, type AuthService, type Principal } from '../../auth/index.js';
import { OrchardError } from '../../core/index.js';
import { explainRequested, TEST_DELAY_HEADER, type EndpointService, type InvokeResult } from '../../serving/endpoints/index.js';
import { sendAwsJsonError, AwsServiceError } from '../errors.js';
import { isSigV4Request, type SigV4Authentication, type SigV4Authenticator } from '../sigv4/index.js';
import type { AsyncInvoker } from './async-invoker.js';
import { modelError, runtimeError } from './runtime-errors.js';

const PREFIX = '/endpoints/';
const SUFFIX = '/invocations';
const ASYNC_SUFFIX = '/async-invocations';
/** SageMaker's EndpointName. */
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;
/** SageMaker's limits on the optional headers. */
const CUSTOM_ATTRIBUTES = /^[\x20-\x7E]{0,1024}$/;
const INFERENCE_ID = /^[\x20-\x7E]{1,64}$/;
const RESTJSON_TYPE = 'application/json';

export interface RuntimeHandlerOptions {
  testDelays: boolean;
  /** Serves `InvokeEndpointAsync` at `/endpoints/{name}/async-invocations`; absent: not served. */
  async?: AsyncInvoker;
  log(err: unknown, message: string): void;
}

/** Returns a request handler that answers runtime invocations and returns false for anything else. */
export function runtimeHandler(endpoints: EndpointService, auth: AuthService, sigv4: SigV4Authenticator | undefined, options: RuntimeHandlerOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url!;
    if (!url.startsWith(PREFIX) || req.method !== 'POST') return false;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (options.async && path.endsWith(ASYNC_SUFFIX)) {
      void handleAsync(path.slice(PREFIX.length, path.length - ASYNC_SUFFIX.length), req, res, options.async, auth, sigv4, options);
      return true;
    }
    if (!path.endsWith(SUFFIX)) return false;
    const name = path.slice(PREFIX.length, path.length - SUFFIX.length);
    void handle(name, req, res, endpoints, auth, sigv4, options);
    return true;
  };
}

async function handle(name: string, req: IncomingMessage, res: ServerResponse, endpoints: EndpointService, auth: AuthService, sigv4: SigV4Authenticator | undefined, options: RuntimeHandlerOptions): Promise<void> {
  try {
    const authenticated = authenticate(req, auth, sigv4);
    const { principal, bodyCheck } = authenticated instanceof Promise ? await authenticated : authenticated;
    if (!can(principal.user.role, 'endpoints:invoke')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `User: ${principal.user.name} is not authorized to perform: sagemaker:InvokeEndpoint (role '${principal.user.role}' lacks 'endpoints:invoke')` });
    const headers = req.headers;
    const customAttributes = headers['x-amzn-sagemaker-custom-attributes'] as string | undefined;
    const inferenceId = headers['x-amzn-sagemaker-inference-id'] as string | undefined;
    const targetVariant = headers['x-amzn-sagemaker-target-variant'] as string | undefined;
    validate(name, customAttributes, inferenceId, targetVariant);
    const body = bufferedBody(req) ?? (await readBody(req));
    bodyCheck?.complete(body);
    const result = await endpoints.invoke(name, {
      body,
      contentType: headers['content-type'],
      accept: headers.accept,
      targetVariant,
      inferenceId,
      testDelay: options.testDelays ? (headers[TEST_DELAY_HEADER] as string | undefined) : undefined,
      explain: explainRequested(customAttributes),
    });
    if (result.status < 200 || result.status > 299) throw modelError(result.status, result.body, result.variant);
    send(res, result, customAttributes);
  } catch (err) {
    const e = runtimeError(err);
    if (e.status >= 500 && e.code !== 'ServiceUnavailable') options.log(err, e.message);
    sendAwsJsonError(res, e, RESTJSON_TYPE);
    if (!req.complete) discard(req);
  }
}

/**
 * `InvokeEndpointAsync`: the input is in the store (`X-Amzn-SageMaker-InputLocation`);
 * answered 202 with the inference id and the output and failure locations at once.
 */
async function handleAsync(name: string, req: IncomingMessage, res: ServerResponse, invoker: AsyncInvoker, auth: AuthService, sigv4: SigV4Authenticator | undefined, options: RuntimeHandlerOptions): Promise<void> {
  try {
    const { principal, bodyCheck } = await authenticate(req, auth, sigv4);
    if (!can(principal.user.role, 'endpoints:invoke')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `User: ${principal.user.name} is not authorized to perform: sagemaker:InvokeEndpointAsync (role '${principal.user.role}' lacks 'endpoints:invoke')` });
    const headers = req.headers;
    const header = (name: string) => headers[name] as string | undefined;
    const customAttributes = header('x-amzn-sagemaker-custom-attributes');
    const inferenceId = header('x-amzn-sagemaker-inference-id');
    validate(name, customAttributes, inferenceId, undefined);
    const inputLocation = header('x-amzn-sagemaker-inputlocation');
    if (!inputLocation) throw new AwsServiceError('ValidationError', 400, "1 validation error detected: Value null at 'inputLocation' failed to satisfy constraint: Member must not be null");
    const body = bufferedBody(req) ?? (await readBody(req));
    bodyCheck?.complete(body);
    let accepted;
    try {
      accepted = await invoker.submit({ endpointName: name, inputLocation, contentType: header('x-amzn-sagemaker-content-type'), accept: header('x-amzn-sagemaker-accept'), customAttributes, inferenceId });
    } catch (err) {
      // A location outside the store's bucket or its rules is the request's fault.
      if (err instanceof OrchardError && err.code === 'ORCH_ARTIFACT_INVALID_KEY') throw new AwsServiceError('ValidationError', 400, err.message);
      throw err;
    }
    const text = JSON.stringify({ InferenceId: accepted.inferenceId });
    if (res.headersSent || res.destroyed) return;
    res.writeHead(202, {
      'content-type': RESTJSON_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-sagemaker-outputlocation': accepted.outputLocation,
      'x-amzn-sagemaker-failurelocation': accepted.failureLocation,
      'x-content-type-options': 'nosniff',
    });
    res.end(text);
  } catch (err) {
    const e = runtimeError(err);
    if (e.status >= 500 && e.code !== 'ServiceUnavailable') options.log(err, e.message);
    sendAwsJsonError(res, e, RESTJSON_TYPE);
    if (!req.complete) discard(req);
  }
}

/** Whom the request acts as, and the SigV4 check still to complete with the body, if any. */
type Authenticated = { principal: Principal; bodyCheck?: SigV4Authentication };

/**
 * SigV4 (its body check runs once the body is read) or a Bearer token; without a promise
 * when the key or token is cached, as it is for a client in steady use.
 */
function authenticate(req: IncomingMessage, auth: AuthService, sigv4: SigV4Authenticator | undefined): Authenticated | Promise<Authenticated> {
  const header = req.headers.authorization;
  if (header !== undefined && header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ') {
    const token = header.slice(7).trim();
    const principal = auth.recentlyVerified(token);
    return principal !== undefined ? { principal } : auth.authenticate(token).then((p) => ({ principal: p }));
  }
  if (sigv4 && isSigV4Request(req)) {
    const signed = sigv4.authenticateNow(req);
    return signed instanceof Promise ? signed.then(withBodyCheck) : withBodyCheck(signed);
  }
  throw new OrchardError('ORCH_AUTH_MISSING_TOKEN', { message: 'Missing Authentication Token: sign the request with an access key (SigV4) or send Authorization: Bearer <token>' });
}

function withBodyCheck(signed: SigV4Authentication): Authenticated {
  return { principal: signed.principal, bodyCheck: signed.verified && signed.expectedBodySha256 === undefined ? undefined : signed };
}

function validate(name: string, customAttributes: string | undefined, inferenceId: string | undefined, targetVariant: string | undefined): void {
  const problems: string[] = [];
  if (!NAME.test(name)) problems.push(`Value '${decodeSafe(name)}' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`);
  if (customAttributes !== undefined && !CUSTOM_ATTRIBUTES.test(customAttributes)) problems.push("Value at 'customAttributes' failed to satisfy constraint: Member must have length less than or equal to 1024 and hold visible ASCII characters");
  if (inferenceId !== undefined && !INFERENCE_ID.test(inferenceId)) problems.push("Value at 'inferenceId' failed to satisfy constraint: Member must have length between 1 and 64 and hold visible ASCII characters");
  if (targetVariant !== undefined && !NAME.test(targetVariant)) problems.push("Value at 'targetVariant' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
  if (problems.length > 0) throw new AwsServiceError('ValidationError', 400, `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function send(res: ServerResponse, result: InvokeResult, customAttributes: string | undefined): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { 'content-type': result.contentType, 'content-length': result.body.length, 'x-amzn-invoked-production-variant': result.variant, 'x-content-type-options': 'nosniff' };
  // Orchard's model servers set no attributes of their own: the caller's come back, as a
  // container that passes them through would answer.
  if (customAttributes !== undefined) headers['x-amzn-sagemaker-custom-attributes'] = customAttributes;
  res.writeHead(200, headers);
  if (result.body.length <= 16_384) res.end(result.body.toString('latin1'), 'latin1');
  else res.end(result.body);
}
