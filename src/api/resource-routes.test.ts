import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTransformJobRequest, JobName, TransformJobFilter, type Page } from '../contracts/index.js';
import type { Principal } from '../auth/index.js';
import { resourceRoutes } from './resource-routes.js';

interface Thing {
  name: string;
  status: string;
  createdBy?: string;
}

const caller: Principal = { user: { id: 'u1', name: 'ada', role: 'member', hasPassword: false, createdAt: '2026-01-01T00:00:00.000Z', disabledAt: null }, tokenId: null };

/** A server with one resource over an in-memory map and the ajv options of the real one (Fastify's own error answers). */
async function serve(options: { deleteStatus: 202 | 204 }): Promise<{ app: FastifyInstance; things: Map<string, Thing>; permissions: string[] }> {
  const things = new Map<string, Thing>();
  const permissions: string[] = [];
  const app = Fastify({ ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } } });
  app.addHook('onRequest', async (request) => {
    request.principal = caller;
    permissions.push(`${request.method} ${request.routeOptions.url} ${request.routeOptions.config?.permission}`);
  });
  const describeThing = async (name: string) => {
    const thing = things.get(name);
    if (!thing) throw Object.assign(new Error('no such thing'), { statusCode: 404 });
    return thing;
  };
  resourceRoutes(app, {
    path: 'things',
    tag: 'things',
    name: JobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: {
      body: CreateTransformJobRequest,
      summary: 'Create',
      run: async (input) => {
        const thing = { name: input.name ?? 'generated', status: 'InProgress', createdBy: input.createdBy };
        things.set(thing.name, thing);
        return thing;
      },
    },
    list: {
      filter: TransformJobFilter,
      summary: 'List',
      run: async (filter): Promise<Page<Thing>> => {
        const all = [...things.values()].filter((t) => !filter.status || t.status === filter.status);
        return { items: all.slice(filter.offset ?? 0, (filter.offset ?? 0) + (filter.limit ?? 100)), total: all.length };
      },
    },
    describe: { summary: 'Describe', run: describeThing },
    stop: { summary: 'Stop', run: async (name) => ({ ...(await describeThing(name)), status: 'Stopping' }) },
    delete: { summary: 'Delete', status: options.deleteStatus, run: async (name) => things.delete(name) && { deleted: name } },
  });
  await app.ready();
  return { app, things, permissions };
}

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

describe('resourceRoutes', () => {
  it('creates with the caller as createdBy (201), lists with filters and pagination, describes and stops', async () => {
    const s = await serve({ deleteStatus: 204 });
    app = s.app;
    const created = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a1', model: 'm', input: 'd', output: 'o' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ name: 'a1', status: 'InProgress', createdBy: 'ada' });
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a2', model: 'm', input: 'd', output: 'o' } });

    const page = await app.inject({ method: 'GET', url: '/things?status=InProgress&limit=1&offset=1' });
    expect(page.json()).toEqual({ items: [{ name: 'a2', status: 'InProgress', createdBy: 'ada' }], total: 2 });
    expect((await app.inject({ method: 'GET', url: '/things/a1' })).json()).toMatchObject({ name: 'a1' });
    // A bare POST: no body, no content type.
    expect((await app.inject({ method: 'POST', url: '/things/a1/stop' })).json()).toMatchObject({ status: 'Stopping' });
    expect(s.permissions).toEqual([
      'POST /things jobs:write',
      'POST /things jobs:write',
      'GET /things jobs:read',
      'GET /things/:name jobs:read',
      'POST /things/:name/stop jobs:write',
    ]);
  });

  it('validates bodies, filters and names with the contract schemas', async () => {
    app = (await serve({ deleteStatus: 204 })).app;
    const extra = await app.inject({ method: 'POST', url: '/things', payload: { model: 'm', input: 'd', output: 'o', colour: 'red' } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/must NOT have additional properties/);
    const badEnum = await app.inject({ method: 'GET', url: '/things?status=Sleeping' });
    expect(badEnum.statusCode).toBe(400);
    expect(badEnum.json().message).toMatch(/must be equal to one of the allowed values/);
    expect((await app.inject({ method: 'GET', url: '/things?limit=1001' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/things/-bad-' })).statusCode).toBe(400);
  });

  it('deletes with 204 and no body, or 202 with what the service answered', async () => {
    const quiet = await serve({ deleteStatus: 204 });
    app = quiet.app;
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a1', model: 'm', input: 'd', output: 'o' } });
    const gone = await app.inject({ method: 'DELETE', url: '/things/a1' });
    expect([gone.statusCode, gone.body]).toEqual([204, '']);
    expect(quiet.things.size).toBe(0);
    await app.close();

    app = (await serve({ deleteStatus: 202 })).app;
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a1', model: 'm', input: 'd', output: 'o' } });
    const accepted = await app.inject({ method: 'DELETE', url: '/things/a1' });
    expect([accepted.statusCode, accepted.json()]).toEqual([202, { deleted: 'a1' }]);
  });
});
