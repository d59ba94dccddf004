import type { FastifyInstance } from 'fastify';
import { AlgorithmName, NameParams, type AlgorithmInfo } from '../../contracts/index.js';
import { OrchardError } from '../../core/errors.js';
import { describeRange, getAlgorithm, hasAlgorithm, listAlgorithms, registerBuiltins, type Algorithm } from '../../algorithms/index.js';

/** What a client needs to build a training form: the descriptor without its code. */
function describe(algorithm: Algorithm): AlgorithmInfo {
  return {
    name: algorithm.name,
    version: algorithm.version,
    description: algorithm.description,
    hyperparameters: algorithm.hyperparameters.map((spec) => ({ ...spec, range: describeRange(spec) })),
    metrics: [...algorithm.metrics],
    inputContentTypes: [...algorithm.inputContentTypes],
    requiredChannels: [...algorithm.requiredChannels],
    optionalChannels: [...algorithm.optionalChannels],
  };
}

const nameParams = NameParams(AlgorithmName);

/** The built-in algorithms and their hyperparameter schemas (SageMaker's DescribeAlgorithm, roughly). */
export function algorithmRoutes(app: FastifyInstance): void {
  registerBuiltins();
  app.get('/algorithms', { config: { permission: 'jobs:read' }, schema: { tags: ['training'], summary: 'Built-in algorithms with their hyperparameter schemas and metrics' } }, async () => ({
    items: listAlgorithms().map(describe),
  }));
  app.get<{ Params: { name: string } }>(
    '/algorithms/:name',
    { config: { permission: 'jobs:read' }, schema: { tags: ['training'], summary: 'One built-in algorithm', params: nameParams } },
    async (request) => {
      if (!hasAlgorithm(request.params.name)) {
        const known = listAlgorithms().map((a) => a.name);
        throw new OrchardError('ORCH_API_NOT_FOUND', { message: `No algorithm '${request.params.name}'; known: ${known.join(', ')}`, details: { known } });
      }
      return describe(getAlgorithm(request.params.name));
    },
  );
}
