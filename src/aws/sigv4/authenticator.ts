import type { Principal } from '../../auth/index.js';
import { OrchardError } from '../../core/index.js';
import { EMPTY_SHA256, sha256Hex } from './canonical.js';
import { parseSigV4, type SigV4Claim, type SignedRequest } from './parse.js';
import { checkTime, isSha256Hex, SigningKeyCache, verifySignature, type SigningContext } from './verify.js';

/** Where the authenticator finds a key's secret and whom it acts as (the access key service). */
export interface AccessKeySource {
  /** Throws `ORCH_SIGV4_UNKNOWN_KEY` / `ORCH_SIGV4_KEY_INACTIVE` for keys that may not sign. */
  resolve(accessKeyId: string): Promise<{ secretAccessKey: string; principal: Principal }>;
  /** The key when the source has it at hand (no database read): spares an await per request. */
  resolveCached?(accessKeyId: string): { secretAccessKey: string; principal: Principal } | undefined;
  /** Records a verified use (throttled by the source: undefined when there is nothing to write). */
  touch(accessKeyId: string): Promise<void> | undefined;
}

/**
 * A SigV4 request whose key is known and whose time is within bounds. The signature is
 * verified at once when the payload hash is known from the request's headers or query
 * (`verified`); otherwise it covers the body's sha256 and `complete` must be called with
 * it before the request is acted on.
 */
export class SigV4Authentication {
  private signingContext: SigningContext | undefined;

  constructor(
    readonly claim: SigV4Claim,
    readonly principal: Principal,
    private readonly request: SignedRequest,
    private readonly secret: string,
    /** Called with the key id once the signature is verified (the authenticator's, made once). */
    private readonly onVerified: (accessKeyId: string) => void,
    private readonly keys: SigningKeyCache,
  ) {}

  /** True when the signature covers the body's sha256, which only the body can give. */
  get needsBodyHash(): boolean {
    return this.claim.declaredPayloadHash === undefined;
  }

  /**
   * The hex sha256 the body must have when the request declared one in
   * `x-amz-content-sha256` (a route streaming the body checks it: `payloadHashCheck`).
   */
  get expectedBodySha256(): string | undefined {
    return isSha256Hex(this.claim.declaredPayloadHash) ? this.claim.declaredPayloadHash.toLowerCase() : undefined;
  }

  get verified(): boolean {
    return this.signingContext !== undefined;
  }

  /** The verified signature's key and scope (for `aws-chunked` bodies); throws before verification. */
  get signing(): SigningContext {
    if (!this.signingContext) throw new OrchardError('ORCH_SIGV4_MALFORMED', { message: 'The request signature has not been verified yet' });
    return this.signingContext;
  }

  /** Verifies with the declared payload hash (when the request has one). */
  verifyDeclared(): void {
    if (this.claim.declaredPayloadHash === undefined) throw new OrchardError('ORCH_SIGV4_MALFORMED', { message: 'The payload hash is the body sha256' });
    this.finish(this.claim.declaredPayloadHash);
  }

  /** Verifies with the body as received (its sha256 hex, or the bytes). */
  complete(body: Buffer | { sha256: string }): void {
    const hash = Buffer.isBuffer(body) ? (body.length === 0 ? EMPTY_SHA256 : sha256Hex(body)) : body.sha256;
    const expected = this.expectedBodySha256;
    if (expected !== undefined && hash !== expected) {
      throw new OrchardError('ORCH_SIGV4_PAYLOAD_MISMATCH', { message: "The provided 'x-amz-content-sha256' header does not match what was computed.", details: { clientComputedContentSHA256: expected, computedContentSHA256: hash } });
    }
    if (this.signingContext) return;
    this.finish(this.claim.declaredPayloadHash ?? hash);
  }

  private finish(payloadHash: string): void {
    this.signingContext = verifySignature(this.claim, this.request, this.secret, payloadHash, this.keys.get);
    this.onVerified(this.claim.accessKeyId);
  }
}

export interface SigV4AuthenticatorOptions {
  /** The server's clock. @default () => new Date() */
  now?: () => Date;
  /** Where a failed last-used write is reported. @default ignored */
  onTouchError?: (err: unknown) => void;
}

/**
 * Authenticates AWS Signature Version 4 requests (Authorization header or presigned
 * query) against access keys: parse, time window, key, then the signature, at once when
 * the payload hash is declared, else once the body is read.
 */
export class SigV4Authenticator {
  private readonly now: () => Date;
  private readonly signingKeys = new SigningKeyCache();
  /** Records a verified use: one function for every request (no closure made per request). */
  private readonly touch = (accessKeyId: string): void => {
    this.keys.touch(accessKeyId)?.catch((err: unknown) => this.options.onTouchError?.(err));
  };

  constructor(
    private readonly keys: AccessKeySource,
    private readonly options: SigV4AuthenticatorOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Checks everything that does not need the body; verifies the signature too when the
   * payload hash is declared or `body` is given. Throws the `ORCH_SIGV4_*` errors.
   */
  async authenticate(req: SignedRequest, body?: Buffer): Promise<SigV4Authentication> {
    return this.authenticateNow(req, body);
  }

  /**
   * `authenticate` without a promise when the key is at hand (`resolveCached`), which it is
   * for every request of a client in steady use; a promise when the key must be read.
   */
  authenticateNow(req: SignedRequest, body?: Buffer): SigV4Authentication | Promise<SigV4Authentication> {
    const claim = parseSigV4(req);
    checkTime(claim, this.now());
    const key = this.keys.resolveCached?.(claim.accessKeyId);
    if (key !== undefined) return this.authenticated(req, claim, key, body);
    return this.keys.resolve(claim.accessKeyId).then((resolved) => this.authenticated(req, claim, resolved, body));
  }

  private authenticated(req: SignedRequest, claim: SigV4Claim, key: { secretAccessKey: string; principal: Principal }, body: Buffer | undefined): SigV4Authentication {
    const auth = new SigV4Authentication(claim, key.principal, req, key.secretAccessKey, this.touch, this.signingKeys);
    if (body !== undefined) auth.complete(body);
    else if (!auth.needsBodyHash) auth.verifyDeclared();
    return auth;
  }
}
