import type { FastifyInstance } from 'fastify';
import { JobName, NameParams, TrainingProfile } from '../../contracts/index.js';
import type { DebuggerService } from '../../debugger/index.js';
import type { TrainingService } from '../../training/index.js';

/** A training job's profiler report (its rule statuses are in the job's describe). */
export function debuggerRoutes(app: FastifyInstance, debuggerService: DebuggerService, training: TrainingService): void {
  app.get<{ Params: NameParams }>(
    '/training-jobs/:name/profile',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['training'],
        summary: "CPU and memory over time and seconds per phase, for each of the job's attempts",
        params: NameParams(JobName),
        response: { 200: TrainingProfile },
      },
    },
    async (request) => {
      // An unknown job is ORCH_JOB_NOT_FOUND, not a missing profile.
      await training.describe(request.params.name);
      return debuggerService.profile(request.params.name);
    },
  );
}
