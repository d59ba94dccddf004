/**
 * The studio's one transport: JSON over fetch to `/api/v1`, the session cookie sent by
 * the browser, and the CSRF header on every write. Errors keep the server's stable code.
 */

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, status: number, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

const BASE = '/api/v1';
const SAFE = new Set(['GET', 'HEAD']);

let csrf: { header: string; token: string } | null = null;
const signedOutListeners = new Set<() => void>();

/** Remembers the CSRF token sign-in (or GET /session) returned; null on sign-out. */
export function setCsrf(value: { header: string; token: string } | null): void {
  csrf = value;
}

/** Called when the server says the session is gone (401), so the app can show sign-in. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const qs = params.toString();
  return BASE + path + (qs ? `?${qs}` : '');
}

function headers(method: string, extra: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...extra };
  if (!SAFE.has(method) && csrf) h[csrf.header] = csrf.token;
  return h;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const hasBody = options.body !== undefined;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, options.query), {
      method,
      credentials: 'same-origin',
      headers: headers(method, hasBody ? { 'content-type': 'application/json' } : {}),
      body: hasBody ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('ORCH_CLIENT_UNREACHABLE', 'Cannot reach the Orchard server', 0);
  }
  return parse<T>(res.status, await res.text(), path);
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });
export const post = <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body, query });
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
export const del = <T>(path: string, query?: Query) => request<T>('DELETE', path, { query });

/**
 * Sends a file as the raw request body with progress (fetch cannot report upload
 * progress, XMLHttpRequest can). `signal` aborts the upload.
 */
export function upload<T>(
  method: 'POST' | 'PUT',
  path: string,
  query: Query,
  file: Blob,
  contentType: string,
  onProgress?: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, apiUrl(path, query));
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(headers(method, { 'content-type': contentType }))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      try {
        resolve(parse<T>(xhr.status, xhr.responseText, path));
      } catch (err) {
        reject(err);
      }
    };
    xhr.onerror = () => reject(new ApiError('ORCH_CLIENT_UNREACHABLE', 'The upload was cut off', 0));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

function parse<T>(status: number, text: string, path: string): T {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) return body as T;
  const err = (body ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
  if (status === 401 && path !== '/session') for (const listener of signedOutListeners) listener();
  throw new ApiError(err.code ?? `HTTP_${status}`, err.message ?? `HTTP ${status}`, status, err.details);
}

/** A write whose body and answer are not JSON (endpoint invocations); the caller reads the response. */
export async function rawPost(path: string, body: string, extraHeaders: Record<string, string>): Promise<Response> {
  try {
    const res = await fetch(apiUrl(path), { method: 'POST', credentials: 'same-origin', headers: headers('POST', extraHeaders), body });
    if (res.status === 401) for (const listener of signedOutListeners) listener();
    return res;
  } catch {
    throw new ApiError('ORCH_CLIENT_UNREACHABLE', 'Cannot reach the Orchard server', 0);
  }
}
