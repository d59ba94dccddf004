import type { FastifyInstance } from 'fastify';
import { CreateReviewFlowRequest, ExportReviewsRequest, HumanLoopFilter, HumanLoopName, NameParams, NextReviewTaskRequest, ReviewFlowFilter, ReviewFlowName, StartHumanLoopRequest, SubmitReviewAnswerRequest } from '../../contracts/index.js';
import type { ReviewService } from '../../reviews/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * Human review (A2I): flow definitions and human loops through the resource helper, with
 * the endpoints' permissions; the reviewers' two calls (lease the next loop, answer it)
 * need only `labeling:work`, and act for the caller.
 */
export function reviewRoutes(app: FastifyInstance, reviews: ReviewService): void {
  const permissions = { read: 'endpoints:read', write: 'endpoints:write' } as const;
  resourceRoutes(app, {
    path: 'review-flows',
    tag: 'reviews',
    name: ReviewFlowName,
    permissions,
    create: { body: CreateReviewFlowRequest, summary: 'Create a flow definition: workforce, labels, instructions, and the conditions under which an endpoint’s predictions go to people', run: (input) => reviews.createFlow(input) },
    list: { filter: ReviewFlowFilter, summary: 'List flow definitions with their loop counts', run: (filter) => reviews.listFlows(filter) },
    describe: { summary: 'Describe a flow definition', run: (name) => reviews.describeFlow(name) },
    delete: { status: 204, summary: 'Delete a flow definition: its endpoint is no longer reviewed and its waiting loops stop', run: (name) => reviews.deleteFlow(name) },
  });
  resourceRoutes(app, {
    path: 'human-loops',
    tag: 'reviews',
    name: HumanLoopName,
    permissions,
    create: { body: StartHumanLoopRequest, summary: 'Start a human loop (StartHumanLoop) with any JSON input for the flow’s reviewers', run: (input) => reviews.startLoop(input) },
    list: { filter: HumanLoopFilter, summary: 'List human loops, newest first', run: (filter) => reviews.listLoops(filter) },
    describe: { summary: 'Describe a human loop: its input, answers and output', run: (name) => reviews.describeLoop(name) },
    stop: { summary: 'Stop a human loop that waits for reviewers', run: (name) => reviews.stopLoop(name) },
  });
  const tags = ['reviews'];
  // An export writes a dataset version: the datasets' write permission, and the caller as its creator.
  app.post<{ Params: { name: string }; Body: { dataset: string; since?: string; all?: boolean } }>(
    '/review-flows/:name/export',
    { config: { permission: 'datasets:write' }, schema: { tags, summary: 'Write the flow’s completed loops (since the last export to the dataset, unless all) as a new version of a dataset: CSV rows with the reviewers’ label first, or a JSON Lines augmented manifest', params: NameParams(ReviewFlowName), body: ExportReviewsRequest } },
    async (request) => reviews.exportLoops(request.params.name, { ...request.body, createdBy: principalOf(request).user.name }),
  );
  app.post<{ Body: { flow?: string } }>(
    '/review-tasks/next',
    { config: { permission: 'labeling:work' }, schema: { tags, summary: 'Lease the next human loop the caller may review ({task: null} when none is waiting for them)', body: NextReviewTaskRequest } },
    async (request) => ({ task: await reviews.next(principalOf(request).user.name, request.body?.flow) }),
  );
  app.post<{ Params: { name: string }; Body: { answer: Record<string, unknown> } }>(
    '/human-loops/:name/answer',
    { config: { permission: 'labeling:work' }, schema: { tags, summary: 'Answer a human loop the caller holds a lease on (a resubmission is acknowledged once)', params: NameParams(HumanLoopName), body: SubmitReviewAnswerRequest } },
    async (request) => reviews.submit(request.params.name, principalOf(request).user.name, request.body.answer),
  );
}
