import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApi, type ApiDeps } from './server.js';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { lazyValidatorFactory } from './lazy-validators.js';

const ajv = { customOptions: { coerceTypes: 'array' as const, removeAdditional: false, allErrors: false } };

/** A service whose every method answers nothing: enough to register routes, never called here. */
function stub(): any {
  const fn: any = () => stub();
  return new Proxy(fn, {
    get: (_t, key) => {
      if (key === 'then') return undefined;
      if (key === Symbol.toPrimitive) return () => 0;
      if (key === Symbol.iterator || key === Symbol.asyncIterator) return function* () {};
      return stub();
    },
  });
}

async function app(lazy: boolean, onCompile?: () => void) {
  // Fastify's Ajv compiler, counting the schemas it really compiles.
  const ajvCompiler = AjvCompiler() as any;
  const counted = (ext: unknown, opts: unknown) => {
    const compile = ajvCompiler(ext, opts);
    return (route: any) => (onCompile?.(), compile(route));
  };
  const server = Fastify({ ajv, ...(lazy ? { schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory(counted) as never } } } : {}) });
  server.post('/things', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' }, tag: { type: 'array', items: { type: 'string' } } } }, body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } }, additionalProperties: false } } }, async (request) => ({ query: request.query, body: request.body }));
  await server.ready();
  return server;
}

describe('lazy request validators', () => {
  it('answer exactly what the eager ones answer: errors, coercion and valid bodies', async () => {
    const eager = await app(false);
    const lazy = await app(true);
    const cases = [
      { url: '/things?n=3&tag=a', payload: { name: 'x' } },
      { url: '/things?n=three', payload: { name: 'x' } },
      { url: '/things', payload: {} },
      { url: '/things', payload: { name: '' } },
      { url: '/things', payload: { name: 'x', extra: 1 } },
    ];
    for (const c of cases) {
      const a = await eager.inject({ method: 'POST', ...c });
      const b = await lazy.inject({ method: 'POST', ...c });
      expect(b.statusCode).toBe(a.statusCode);
      expect(b.json()).toEqual(a.json());
    }
    expect((await lazy.inject({ method: 'POST', url: '/things?n=3&tag=a', payload: { name: 'x' } })).json()).toEqual({ query: { n: 3, tag: ['a'] }, body: { name: 'x' } });
    expect((await lazy.inject({ method: 'POST', url: '/things', payload: {} })).statusCode).toBe(400);
    await eager.close();
    await lazy.close();
  });

  it('compile a schema on its route first request, not at start-up', async () => {
    let compiled = 0;
    const lazy = await app(true, () => compiled++);
    expect(compiled).toBe(0);
    await lazy.inject({ method: 'POST', url: '/things', payload: { name: 'x' } });
    const afterFirst = compiled;
    expect(afterFirst).toBeGreaterThan(0);
    await lazy.inject({ method: 'POST', url: '/things', payload: { name: 'y' } });
    expect(compiled).toBe(afterFirst);
    await lazy.close();
  });

  it("every route of the whole API has a request schema Ajv compiles (the eager start-up's check)", async () => {
    const deps = new Proxy({}, { get: (_t, key) => (key === 'statusSources' ? [] : stub()) }) as unknown as ApiDeps;
    const api = await buildApi(deps, { logLevel: 'silent', jsonBodyLimit: 1 << 20, maxUploadBytes: 1 << 20, studioDir: null, eagerValidation: true });
    await expect(api.ready()).resolves.toBeDefined();
    // Every capability's routes were registered (the stubbed services are all present).
    const routes = api.printRoutes({ commonPrefix: false }).split('\n').filter((l) => l.includes('('));
    expect(routes.length).toBeGreaterThan(100);
    await api.close();
  });
});
