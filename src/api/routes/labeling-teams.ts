import type { FastifyInstance } from 'fastify';
import { CreateLabelingTeamRequest, LabelingTeamFilter, LabelingTeamName, NameParams, UpdateLabelingTeamRequest } from '../../contracts/index.js';
import type { TeamService } from '../../labeling/index.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * Labeling teams: create, list, describe and delete through the resource helper, with the
 * labeling jobs' permissions; `PATCH` adds and removes members.
 */
export function labelingTeamRoutes(app: FastifyInstance, teams: TeamService): void {
  resourceRoutes(app, {
    path: 'labeling-teams',
    tag: 'labeling',
    name: LabelingTeamName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateLabelingTeamRequest, summary: 'Create a labeling team (every member an enabled user with the labeler role)', run: (input) => teams.create(input) },
    list: { filter: LabelingTeamFilter, summary: 'List labeling teams by name, with their members', run: (filter) => teams.list(filter) },
    describe: { summary: 'Describe a labeling team: its members and the jobs for it that have not ended', run: (name) => teams.describe(name) },
    delete: { status: 204, summary: 'Delete a labeling team no job that has not ended uses', run: (name) => teams.delete(name) },
  });
  app.patch<{ Params: { name: string }; Body: UpdateLabelingTeamRequest }>(
    '/labeling-teams/:name',
    {
      config: { permission: 'jobs:write' },
      schema: { tags: ['labeling'], summary: 'Add and remove members (refused when a job that has not ended would be left short)', params: NameParams(LabelingTeamName), body: UpdateLabelingTeamRequest },
    },
    async (request) => teams.update(request.params.name, request.body),
  );
}
