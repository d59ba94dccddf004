import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NameParams, type Page, type Permission } from '../contracts/index.js';
import { principalOf } from './auth-hook.js';

/** One operation of a resource: its OpenAPI summary and the service call behind it. */
interface Operation<In, Out> {
  summary: string;
  run: (input: In) => Promise<Out>;
}

/**
 * A resource's standard routes, declared once: `POST /{path}` (create), `GET /{path}`
 * (list: filters and `limit`/`offset` → `{ items, total }`), `GET /{path}/:name`,
 * `POST /{path}/:name/stop` and `DELETE /{path}/:name`. Every part is optional; a
 * resource's other routes stay hand-written beside it.
 */
/** A contract schema whose TypeScript type is `T` (TypeBox's `static` marker). */
type SchemaOf<T> = TSchema & { static: T };

export interface ResourceDeclaration<R, Create extends object, Filter extends object> {
  /** The URL segment under the API prefix, e.g. `transform-jobs`. */
  path: string;
  /** The OpenAPI tag the routes are listed under. */
  tag: string;
  /** The rule of the `:name` path parameter (a contract's name schema). */
  name: TSchema;
  /** What reading (list, describe) and changing (create, stop, delete) need. */
  permissions: { read: Permission; write: Permission };
  /** The body is the contract's create request; `createdBy` is the caller. @default status 201 */
  create?: Operation<Create & { createdBy: string }, R> & { body: SchemaOf<Create>; status?: 201 | 202 };
  list?: Operation<Filter, Page<R>> & { filter: SchemaOf<Filter> };
  describe?: Operation<string, R>;
  /** No body schema: a bare POST (no body, no content-type) is the expected call. */
  stop?: Operation<string, R>;
  /** 204 answers no body; 202 answers what `run` returns (a deletion under way). */
  delete?: Operation<string, unknown> & { status: 202 | 204 };
}

/** Registers the standard routes of one resource; URLs, statuses and answers are the declaration's. */
export function resourceRoutes<R, Create extends object, Filter extends object>(app: FastifyInstance, decl: ResourceDeclaration<R, Create, Filter>): void {
  const base = `/${decl.path}`;
  const params = NameParams(decl.name);
  const read = { permission: decl.permissions.read };
  const write = { permission: decl.permissions.write };
  const tags = [decl.tag];
  const { create, list, describe, stop } = decl;

  if (create) {
    app.post(base, { config: write, schema: { tags, summary: create.summary, body: create.body } }, async (request, reply) =>
      reply.status(create.status ?? 201).send(await create.run({ ...(request.body as Create), createdBy: principalOf(request).user.name })),
    );
  }
  if (list) {
    // Fastify's generics cannot follow a type parameter: the schema has validated the query.
    app.get(base, { config: read, schema: { tags, summary: list.summary, querystring: list.filter } }, async (request) => list.run(request.query as Filter));
  }
  if (describe) {
    app.get<{ Params: { name: string } }>(`${base}/:name`, { config: read, schema: { tags, summary: describe.summary, params } }, async (request) => describe.run(request.params.name));
  }
  if (stop) {
    app.post<{ Params: { name: string } }>(`${base}/:name/stop`, { config: write, schema: { tags, summary: stop.summary, params } }, async (request) => stop.run(request.params.name));
  }
  const remove = decl.delete;
  if (remove) {
    app.delete<{ Params: { name: string } }>(`${base}/:name`, { config: write, schema: { tags, summary: remove.summary, params } }, async (request, reply) => {
      const result = await remove.run(request.params.name);
      return remove.status === 204 ? reply.status(204).send() : reply.status(202).send(result);
    });
  }
}
