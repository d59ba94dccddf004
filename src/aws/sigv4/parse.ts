import { OrchardError } from '../../core/index.js';
import { ALGORITHM, UNSIGNED_PAYLOAD } from './canonical.js';

/** What a request says about its signature, before any secret is looked at. */
export interface SigV4Claim {
  /** `header`: the Authorization header; `query`: a presigned URL. */
  kind: 'header' | 'query';
  accessKeyId: string;
  /** The credential scope: `<yyyymmdd>/<region>/<service>/aws4_request`. */
  scope: string;
  date: string;
  region: string;
  service: string;
  /** Lower-case, in the order given. */
  signedHeaders: string[];
  signature: string;
  /** The signing time in ISO 8601 basic format (`20261202T221500Z`). */
  amzDate: string;
  signedAt: Date;
  /** Seconds a presigned URL is valid for. */
  expiresSeconds?: number;
  /**
   * The payload hash the signature covers when the request states it
   * (`x-amz-content-sha256`: a hex sha256, `UNSIGNED-PAYLOAD` or an S3 `STREAMING-…`
   * value); undefined when it is the sha256 of the body, known only once the body is read.
   */
  declaredPayloadHash?: string;
  rawPath: string;
  rawQuery: string;
}

/** The request as received: method, `url` (path and query, still percent-encoded), headers (lower-case names). */
export interface SignedRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Node's IncomingMessage: each header's values as received, when repeated. */
  headersDistinct?: Record<string, string[] | undefined>;
  /** Node's IncomingMessage: names and values as received, in turn. */
  rawHeaders?: string[];
}

const AUTH_PREFIX = `${ALGORITHM} `;
const AMZ_DATE = /^(\d{8})T\d{6}Z$/;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** True when a request carries SigV4 (header or presigned query); cheap, no parsing. */
export function isSigV4Request(req: SignedRequest): boolean {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') return auth.startsWith(AUTH_PREFIX);
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q >= 0 && url.includes('X-Amz-Algorithm=', q);
}

function malformed(message: string): OrchardError {
  return new OrchardError('ORCH_SIGV4_MALFORMED', { message });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the claim of a SigV4 request; `ORCH_SIGV4_MALFORMED` names what is missing or wrong. */
export function parseSigV4(req: SignedRequest): SigV4Claim {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const auth = single(req.headers.authorization);
  if (auth !== undefined && auth.startsWith(AUTH_PREFIX)) return fromHeader(auth, req, rawPath, rawQuery);
  if (auth !== undefined && /^AWS4-/.test(auth)) throw malformed(`Unsupported signing algorithm '${auth.split(' ')[0]}': only ${ALGORITHM} is accepted`);
  return fromQuery(req, rawPath, rawQuery);
}

/** What the part of an Authorization header before its signature says: one client's for a day. */
interface HeaderPrefix {
  credential: string;
  signedHeaders: string[];
}

const SIGNATURE_FIELD = ', Signature=';
/** Parsed prefixes by text (a pure function of it; the signature is still checked per request). */
const headerPrefixes = new Map<string, HeaderPrefix>();
/** The prefix last used: a busy client's next request starts with the same text. */
let lastPrefix: { text: string; parsed: HeaderPrefix } | undefined;
/** `, Signature=` and 64 hex digits: where the SDKs' signature field starts, from the header's end. */
const SIGNATURE_TAIL = SIGNATURE_FIELD.length + 64;

function fromHeader(auth: string, req: SignedRequest, rawPath: string, rawQuery: string): SigV4Claim {
  // The SDKs' layout, `… Credential=…, SignedHeaders=…, Signature=<hex>`: the text before
  // the signature repeats on every request a client signs that day, so it is parsed once.
  // Found at its place from the end, compared with the last prefix as a whole (a string
  // compare, cheaper than hashing it for the map), no regex: measured with
  // `npm run bench -- sigv4-verify`.
  const at = auth.length - SIGNATURE_TAIL;
  if (at > 0 && auth.startsWith(SIGNATURE_FIELD, at)) {
    const prefix = auth.slice(0, at);
    const last = lastPrefix;
    let known: HeaderPrefix | undefined;
    if (last !== undefined && prefix === last.text) known = last.parsed;
    else {
      known = headerPrefixes.get(prefix);
      if (known !== undefined) lastPrefix = { text: prefix, parsed: known };
    }
    // Lower-cased as the full parse does; a signature that is not hex never matches (verify.ts).
    if (known !== undefined) return headerClaim(req, known.credential, known.signedHeaders, auth.slice(at + SIGNATURE_FIELD.length).toLowerCase(), rawPath, rawQuery);
  }
  const claim = parseHeader(auth, req, rawPath, rawQuery);
  if (at > 0 && claim.signature === auth.slice(at + SIGNATURE_FIELD.length).toLowerCase() && auth.startsWith(SIGNATURE_FIELD, at)) {
    if (headerPrefixes.size >= 1000) headerPrefixes.clear();
    const text = auth.slice(0, at);
    const parsed = { credential: `${claim.accessKeyId}/${claim.scope}`, signedHeaders: claim.signedHeaders };
    headerPrefixes.set(text, parsed);
    lastPrefix = { text, parsed };
  }
  return claim;
}

function parseHeader(auth: string, req: SignedRequest, rawPath: string, rawQuery: string): SigV4Claim {
  const fields = new Map<string, string>();
  for (const part of auth.slice(AUTH_PREFIX.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const missing = [!credential && 'Credential', !signedHeaders && 'SignedHeaders', !signature && 'Signature'].filter(Boolean);
  if (missing.length > 0) throw malformed(`Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')} parameter${missing.length > 1 ? 's' : ''}. Authorization=${ALGORITHM} ${[...fields.keys()].join(', ')}`);
  const names = signedHeaders!.split(';').map((h) => h.trim().toLowerCase());
  if (!names.includes('host')) throw malformed("'Host' must be a 'SignedHeader' in the AWS Authorization");
  return headerClaim(req, credential!, names, signature!.toLowerCase(), rawPath, rawQuery);
}

function headerClaim(req: SignedRequest, credential: string, signedHeaders: string[], signature: string, rawPath: string, rawQuery: string): SigV4Claim {
  let amzDate = single(req.headers['x-amz-date']);
  if (amzDate === undefined) {
    // Without x-amz-date, AWS takes the Date header's time.
    const date = single(req.headers.date);
    const parsed = date === undefined ? NaN : Date.parse(date);
    if (Number.isNaN(parsed)) throw malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header");
    amzDate = basicFormat(new Date(parsed));
  }
  return withScope(credential, amzDate, {
    kind: 'header',
    signedHeaders,
    signature,
    declaredPayloadHash: single(req.headers['x-amz-content-sha256']),
    rawPath,
    rawQuery,
  });
}

function fromQuery(req: SignedRequest, rawPath: string, rawQuery: string): SigV4Claim {
  const params = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = safeDecode(part.slice(0, eq));
    if (name.startsWith('X-Amz-') && !params.has(name)) params.set(name, safeDecode(part.slice(eq + 1)));
  }
  const algorithm = params.get('X-Amz-Algorithm');
  if (algorithm === undefined) throw malformed('The request is not signed with AWS Signature Version 4');
  if (algorithm !== ALGORITHM) throw malformed(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const required = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
  const missing = required.filter((name) => !params.get(name));
  if (missing.length > 0) throw malformed(`Query-string authentication requires the ${missing.join(', ')} parameter${missing.length > 1 ? 's' : ''}`);
  const expires = Number(params.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1) throw malformed('X-Amz-Expires must be a positive whole number of seconds');
  if (expires > MAX_PRESIGN_SECONDS) throw malformed('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  const names = params.get('X-Amz-SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase());
  if (!names.includes('host')) throw malformed("'Host' must be a 'SignedHeader' in the query-string authentication");
  const declared = params.get('X-Amz-Content-Sha256') ?? single(req.headers['x-amz-content-sha256']);
  const claim = withScope(params.get('X-Amz-Credential')!, params.get('X-Amz-Date')!, {
    kind: 'query',
    signedHeaders: names,
    signature: params.get('X-Amz-Signature')!.toLowerCase(),
    expiresSeconds: expires,
    declaredPayloadHash: declared,
    rawPath,
    rawQuery,
  });
  // S3 presigned URLs sign no body (the URL is made before the body exists).
  if (claim.declaredPayloadHash === undefined && claim.service === 's3') claim.declaredPayloadHash = UNSIGNED_PAYLOAD;
  return claim;
}

interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  scope: string;
}

/** The last credential read: a client sends the same one all day. */
let lastCredential: { text: string; scope: CredentialScope } | undefined;

function credentialScope(credential: string): CredentialScope {
  if (lastCredential !== undefined && lastCredential.text === credential) return lastCredential.scope;
  // Credential=<key id>/<date>/<region>/<service>/aws4_request; the key id has no '/'.
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]) || parts[0] === '' || parts[2] === '' || parts[3] === '') {
    throw malformed(`Credential should be scoped to a valid date, region and service: '<key id>/<yyyymmdd>/<region>/<service>/aws4_request', got '${credential}'`);
  }
  const [accessKeyId, date, region, service] = parts;
  const scope = { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
  lastCredential = { text: credential, scope };
  return scope;
}

/** The last signing time read: requests signed in the same second share it. */
let lastTime: { text: string; time: Date } | undefined;

function signingTime(amzDate: string): Date {
  if (lastTime !== undefined && lastTime.text === amzDate) return lastTime.time;
  const signedAt = AMZ_DATE.test(amzDate) ? parseBasic(amzDate) : undefined;
  if (signedAt === undefined) throw malformed(`X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z', got '${amzDate}'`);
  lastTime = { text: amzDate, time: signedAt };
  return signedAt;
}

function withScope(credential: string, amzDate: string, rest: Omit<SigV4Claim, 'accessKeyId' | 'scope' | 'date' | 'region' | 'service' | 'amzDate' | 'signedAt'>): SigV4Claim {
  const { accessKeyId, date, region, service, scope } = credentialScope(credential);
  const signedAt = signingTime(amzDate);
  if (!amzDate.startsWith(date)) throw malformed(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'`);
  // Spelled out: a spread followed by more properties costs V8 a slow path (µs per request).
  return {
    kind: rest.kind,
    accessKeyId,
    scope,
    date,
    region,
    service,
    signedHeaders: rest.signedHeaders,
    signature: rest.signature,
    amzDate,
    signedAt,
    expiresSeconds: rest.expiresSeconds,
    declaredPayloadHash: rest.declaredPayloadHash,
    rawPath: rest.rawPath,
    rawQuery: rest.rawQuery,
  };
}

/** `yyyyMMddTHHmmssZ` (already matched by AMZ_DATE) as a time; undefined when a field is out of range. */
function parseBasic(value: string): Date | undefined {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  const day = Number(value.slice(6, 8));
  const hours = Number(value.slice(9, 11));
  const minutes = Number(value.slice(11, 13));
  const seconds = Number(value.slice(13, 15));
  const time = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  // Date.UTC rolls over (Feb 30 → Mar 2): a date that does not read back is not a date.
  if (time.getUTCMonth() !== month - 1 || time.getUTCDate() !== day || hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return time;
}

/** A time in ISO 8601 basic format, as `x-amz-date` carries it. */
export function basicFormat(time: Date): string {
  return time.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
