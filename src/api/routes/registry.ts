import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApprovalUpdateRequest, ModelName, PackageVersionsQuery, RegisterModelRequest } from '../../contracts/index.js';
import type { PackageService } from '../../registry/index.js';
import { can } from '../../auth/index.js';
import { OrchardError } from '../../core/errors.js';
import { principalOf } from '../auth-hook.js';

const groupParams = Type.Object({ group: ModelName });
const versionParams = Type.Object({ group: ModelName, version: Type.String({ pattern: '^([1-9][0-9]{0,8}|latest)$' }) });

/** `latest` names the newest version (for reading only). */
type VersionParams = { group: string; version: string };
const refOf = (p: VersionParams, allowLatest: boolean): string => {
  if (p.version !== 'latest') return `${p.group}@${p.version}`;
  if (!allowLatest) throw new OrchardError('ORCH_REGISTRY_INVALID_NAME', { message: "Name the version to change: 'latest' is for reading only", details: { group: p.group } });
  return p.group;
};

/** The model registry: groups, numbered versions, approval. */
export function registryRoutes(app: FastifyInstance, packages: PackageService): void {
  app.post<{ Params: { group: string }; Body: Static<typeof RegisterModelRequest> }>(
    '/model-package-groups/:group/versions',
    {
      config: { permission: 'models:write' },
      schema: {
        tags: ['registry'],
        summary: "Register a model as the group's next version (the group is created on first use)",
        params: groupParams,
        body: RegisterModelRequest,
      },
    },
    async (request, reply) => {
      // Registering as Approved is an approval: it needs the approve permission too.
      const role = principalOf(request).user.role;
      if (request.body.approvalStatus && request.body.approvalStatus !== 'PendingManualApproval' && !can(role, 'models:approve')) {
        throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Role '${role}' lacks 'models:approve'` });
      }
      const created = await packages.register({ ...request.body, group: request.params.group, createdBy: principalOf(request).user.name });
      return reply.status(201).send(created);
    },
  );

  app.get('/model-package-groups', { config: { permission: 'models:read' }, schema: { tags: ['registry'], summary: 'List model package groups' } }, async () => ({
    items: await packages.groups(),
  }));

  app.get<{ Params: { group: string } }>(
    '/model-package-groups/:group',
    { config: { permission: 'models:read' }, schema: { tags: ['registry'], summary: 'Describe a model package group', params: groupParams } },
    async (request) => packages.group(request.params.group),
  );

  app.delete<{ Params: { group: string } }>(
    '/model-package-groups/:group',
    { config: { permission: 'models:write' }, schema: { tags: ['registry'], summary: 'Delete an empty model package group', params: groupParams } },
    async (request, reply) => {
      await packages.delete(request.params.group);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { group: string }; Querystring: PackageVersionsQuery }>(
    '/model-package-groups/:group/versions',
    {
      config: { permission: 'models:read' },
      schema: {
        tags: ['registry'],
        summary: 'Versions of a group, newest first',
        params: groupParams,
        querystring: PackageVersionsQuery,
      },
    },
    async (request) => ({ items: await packages.versions(request.params.group, request.query) }),
  );

  app.get<{ Params: VersionParams }>(
    '/model-package-groups/:group/versions/:version',
    { config: { permission: 'models:read' }, schema: { tags: ['registry'], summary: 'Describe a version (approval history, metrics, lineage)', params: versionParams } },
    async (request) => packages.describe(refOf(request.params, true)),
  );

  app.patch<{ Params: VersionParams; Body: ApprovalUpdateRequest }>(
    '/model-package-groups/:group/versions/:version',
    {
      config: { permission: 'models:approve' },
      schema: {
        tags: ['registry'],
        summary: 'Set the approval status (SageMaker UpdateModelPackage)',
        params: versionParams,
        body: ApprovalUpdateRequest,
      },
    },
    async (request) =>
      packages.setApproval(refOf(request.params, false), request.body.approvalStatus, {
        by: principalOf(request).user.name,
        description: request.body.description,
      }),
  );

  app.delete<{ Params: VersionParams }>(
    '/model-package-groups/:group/versions/:version',
    { config: { permission: 'models:write' }, schema: { tags: ['registry'], summary: 'Delete a version', params: versionParams } },
    async (request, reply) => {
      await packages.delete(refOf(request.params, false));
      return reply.status(204).send();
    },
  );
}
