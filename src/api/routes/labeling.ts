import type { FastifyInstance } from 'fastify';
import { CreateLabelingJobRequest, LabelingJobFilter, LabelingJobName, LabelingTaskParams, NameParams, SubmitLabelingAnswerRequest } from '../../contracts/index.js';
import type { LabelingService } from '../../labeling/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';
import { labelingTeamRoutes } from './labeling-teams.js';

/**
 * Labeling jobs (Ground Truth): create, list, describe and stop through the resource
 * helper, with the jobs' permissions; the labelers' two calls (lease the next item,
 * answer it) need only `labeling:work`, and act for the caller.
 */
export function labelingRoutes(app: FastifyInstance, labeling: LabelingService): void {
  resourceRoutes(app, {
    path: 'labeling-jobs',
    tag: 'labeling',
    name: LabelingJobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateLabelingJobRequest, summary: 'Create a labeling job over a JSON Lines manifest (every line, image and gold answer checked at once; refused when the workforce is smaller than the annotators per item)', run: (input) => labeling.create(input) },
    list: { filter: LabelingJobFilter, summary: 'List labeling jobs, newest first, with their counts', run: (filter) => labeling.list(filter) },
    describe: { summary: 'Describe a labeling job: status, counts, each labeler’s work and the output dataset version', run: (name) => labeling.describe(name) },
    stop: { summary: 'Stop labeling: the answers given so far are consolidated into the output', run: (name) => labeling.stop(name) },
  });
  labelingTeamRoutes(app, labeling.teams);
  const tags = ['labeling'];
  app.post<{ Params: { name: string } }>(
    '/labeling-jobs/:name/tasks/next',
    { config: { permission: 'labeling:work' }, schema: { tags, summary: 'Lease the next item the caller has not seen ({task: null} when none is left for them now)', params: NameParams(LabelingJobName) } },
    async (request) => ({ task: await labeling.next(request.params.name, principalOf(request).user.name) }),
  );
  app.post<{ Params: { name: string; item: string }; Body: { answer: unknown } }>(
    '/labeling-jobs/:name/tasks/:item/answer',
    { config: { permission: 'labeling:work' }, schema: { tags, summary: 'Answer an item the caller holds a lease on (a resubmission is acknowledged once)', params: LabelingTaskParams, body: SubmitLabelingAnswerRequest } },
    async (request) => labeling.submit(request.params.name, request.params.item, principalOf(request).user.name, request.body.answer),
  );
  // The studio's work page: which jobs the caller can label, and an item's image for its labeler.
  app.get('/labeling-work', { config: { permission: 'labeling:work' }, schema: { tags, summary: 'The running labeling jobs the caller can take items from, with how many they answered' } }, async (request) => ({
    items: await labeling.work(principalOf(request).user.name),
  }));
  app.get<{ Params: { name: string; item: string } }>(
    '/labeling-jobs/:name/tasks/:item/image',
    { config: { permission: 'labeling:work' }, schema: { tags, summary: 'The image of an item handed to the caller (PNG or JPEG)', params: LabelingTaskParams } },
    async (request, reply) => {
      const image = await labeling.image(request.params.name, request.params.item, principalOf(request).user.name);
      return reply.type(image.contentType).header('cache-control', 'private, max-age=3600').send(image.body);
    },
  );
  app.get<{ Params: { name: string; item: string } }>(
    '/labeling-jobs/:name/tasks/:item/mask',
    { config: { permission: 'labeling:work' }, schema: { tags, summary: 'The segmentation mask (indexed PNG) a verification item handed to the caller shows over its image', params: LabelingTaskParams } },
    async (request, reply) => {
      const mask = await labeling.image(request.params.name, request.params.item, principalOf(request).user.name, 'mask');
      return reply.type(mask.contentType).header('cache-control', 'private, max-age=3600').send(mask.body);
    },
  );
}
