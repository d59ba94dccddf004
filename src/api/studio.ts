import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OrchardError } from '../core/errors.js';

/**
 * Where `npm run build` puts the studio. Two folders up from this module is the package
 * root both for `dist/api/studio.js` and for `src/api/studio.ts` under tsx.
 */
export const DEFAULT_STUDIO_DIR = fileURLToPath(new URL('../../dist/studio/', import.meta.url));

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

// The studio is all bundled: scripts, styles, fonts and images come from this server only.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // React and the charts set style properties from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Orchard</title></head>
<body><h1>Orchard</h1><p>The API is up at <code>/api/v1</code>, but the studio is not built. Run <code>npm run build</code> and restart.</p></body></html>`;

/**
 * Serves the built studio at `/`: hashed files under `assets/` are cached for a year
 * (their names change with their content), everything else is revalidated, and any
 * other path is a client route that gets `index.html` (the single-page app's fallback).
 * Paths under `/api/` never fall back: an unknown API route stays a JSON 404.
 */
export async function installStudio(app: FastifyInstance, dir: string | null): Promise<void> {
  const root = dir ? path.resolve(dir) : null;
  const built = root !== null && fs.existsSync(path.join(root, 'index.html'));
  if (built) {
    const { default: fastifyStatic } = await import('@fastify/static');
    await app.register(fastifyStatic, { root: root!, serve: false });
  }
  // Unknown API paths are not the studio's: they stay authenticated JSON 404s.
  app.get('/api/*', { schema: { hide: true } }, async (request) => {
    throw new OrchardError('ORCH_API_NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
  app.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    securityHeaders(reply);
    if (!built) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    if (rel.startsWith('assets/')) return reply.sendFile(rel, { cacheControl: true, maxAge: YEAR_MS, immutable: true });
    if (rel !== '' && isFileInside(root!, rel)) return reply.sendFile(rel, { cacheControl: true, maxAge: 0 });
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
}

function securityHeaders(reply: FastifyReply): void {
  void reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY');
}

function isFileInside(root: string, rel: string): boolean {
  const full = path.resolve(root, rel);
  if (!full.startsWith(root + path.sep)) return false;
  try {
    return fs.statSync(full).isFile();
  } catch {
    return false;
  }
}
