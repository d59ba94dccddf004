/**
 * Hyperparameter tuning: CreateHyperParameterTuningJob, DescribeHyperParameterTuningJob,
 * ListTrainingJobsForHyperParameterTuningJob, onto Orchard's tuning jobs (the training
 * definition is read as CreateTrainingJob's is: image or script mode, S3 channels).
 */
import type { RangeInput, TuningJob } from '../../contracts/index.js';
import type { Fields } from './fields.js';
import { listPage, readListQuery, type ListQuery } from './list-query.js';
import { epoch, nextToken, operation, readPage, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';
import { orchardTrainingInput, readTrainingInput } from './training.js';
import { discardDatasets } from './channels.js';

export const TUNING_KIND = 'hyper-parameter-tuning-job';
const TUNING_NAME = { pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/, source: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}' } as const;
const STRATEGIES: Record<string, 'bayesian' | 'random' | 'hyperband' | 'grid'> = { Bayesian: 'bayesian', Random: 'random', Hyperband: 'hyperband', Grid: 'grid' };
const SCALING = ['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'];

interface CreateTuningInput {
  name: string;
  strategy: string;
  objective: { metric: string; type: 'Maximize' | 'Minimize' };
  maxJobs: number;
  maxParallel?: number;
  ranges: RangeInput[];
  earlyStopping?: 'Off' | 'Auto';
  seed?: number;
  hyperband?: { minResource?: number; maxResource?: number };
  warmStart: string[];
  definition: ReturnType<typeof readTrainingInput>;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

/** SageMaker sends range bounds as strings. */
function bound(f: Fields, name: string): number | undefined {
  const text = f.str(name, { required: true, max: 256 });
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    f.fail(name, text, 'Member must be a number');
    return undefined;
  }
  return value;
}

function readRanges(config: Fields): RangeInput[] {
  const ranges: RangeInput[] = [];
  const all = config.obj('ParameterRanges', { required: true });
  if (!all) return ranges;
  for (const [list, type] of [
    ['IntegerParameterRanges', 'integer'],
    ['ContinuousParameterRanges', 'continuous'],
  ] as const) {
    for (const r of all.list(list, { max: 30 })) {
      const name = r.str('Name', { required: true, max: 256 });
      const min = bound(r, 'MinValue');
      const max = bound(r, 'MaxValue');
      const scaling = r.str('ScalingType', { enum: SCALING }) as RangeInput['scaling'];
      if (name !== undefined) ranges.push({ name, type, min, max, scaling: scaling ?? 'Auto' });
    }
  }
  for (const r of all.list('CategoricalParameterRanges', { max: 30 })) {
    const name = r.str('Name', { required: true, max: 256 });
    const values = r.strings('Values', { max: 30 });
    if (name !== undefined) ranges.push({ name, type: 'categorical', values });
  }
  if (ranges.length === 0) all.fail('IntegerParameterRanges', null, 'At least one parameter range is required');
  return ranges;
}

const createTuningJob = operation<CreateTuningInput>({
  name: 'CreateHyperParameterTuningJob',
  permission: 'jobs:write',
  input(f, body) {
    const name = f.str('HyperParameterTuningJobName', { required: true, max: 32, pattern: TUNING_NAME });
    const config = f.obj('HyperParameterTuningJobConfig', { required: true });
    const strategy = config?.str('Strategy', { required: true, enum: Object.keys(STRATEGIES) }) ?? 'Bayesian';
    const objective = config?.obj('HyperParameterTuningJobObjective');
    const type = (objective?.str('Type', { required: true, enum: ['Maximize', 'Minimize'] }) ?? 'Maximize') as 'Maximize' | 'Minimize';
    const metric = objective?.str('MetricName', { required: true, min: 1, max: 255 }) ?? '';
    const limits = config?.obj('ResourceLimits', { required: true });
    const maxJobs = limits?.num('MaxNumberOfTrainingJobs', { integer: true, min: 1, max: 500 }) ?? 1;
    const maxParallel = limits?.num('MaxParallelTrainingJobs', { required: true, integer: true, min: 1, max: 100 });
    const ranges = config ? readRanges(config) : [];
    const earlyStopping = config?.str('TrainingJobEarlyStoppingType', { enum: ['Off', 'Auto'] }) as 'Off' | 'Auto' | undefined;
    const seed = config?.num('RandomSeed', { integer: true, min: 0 });
    const hb = config?.obj('StrategyConfig')?.obj('HyperbandStrategyConfig');
    const hyperband = hb ? { minResource: hb.num('MinResource', { integer: true, min: 1 }), maxResource: hb.num('MaxResource', { integer: true, min: 1 }) } : undefined;
    const definitionFields = f.obj('TrainingJobDefinition', { required: true });
    if (f.has('TrainingJobDefinitions')) f.fail('TrainingJobDefinitions', 'several definitions', 'Member must be absent on this server; use TrainingJobDefinition');
    // Without a definition the request is refused (required above); an empty one stands in.
    const definition = definitionFields ? readTrainingInput(definitionFields, { named: false }) : { name: '', metricDefinitions: [], hyperParameters: {}, channels: [], tags: {} };
    const warmStart = (f.obj('WarmStartConfig')?.list('ParentHyperParameterTuningJobs', { max: 5 }) ?? []).map((p) => p.str('HyperParameterTuningJobName', { required: true, max: 32, pattern: TUNING_NAME }) ?? '');
    const keep = ['HyperParameterTuningJobConfig', 'TrainingJobDefinition', 'WarmStartConfig'];
    return { name, strategy, objective: { metric, type }, maxJobs, maxParallel, ranges, earlyStopping, seed, hyperband, warmStart, definition, tags: f.tags(), raw: Object.fromEntries(keep.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) };
  },
  async run(input, ctx) {
    const exists = await ctx.deps.tuning.describe(input.name, { trials: false }).then(
      () => true,
      () => false,
    );
    if (exists) throw new SageMakerError('ResourceInUse', `Hyperparameter tuning job names must be unique within an AWS account and region, and a job with this name already exists (${ctx.arn('hyper-parameter-tuning-job', input.name)})`);
    const training = await orchardTrainingInput(ctx, input.definition, input.name);
    try {
      await ctx.deps.tuning.create({
        name: input.name,
        algorithm: training.algorithm,
        script: training.script,
        staticHyperParameters: training.hyperParameters,
        ranges: input.ranges,
        objective: input.objective,
        strategy: STRATEGIES[input.strategy],
        maxJobs: input.maxJobs,
        maxParallel: input.maxParallel,
        earlyStopping: input.earlyStopping,
        warmStart: input.warmStart.length > 0 ? input.warmStart : undefined,
        seed: input.seed,
        hyperband: input.hyperband && input.strategy === 'Hyperband' ? input.hyperband : undefined,
        channels: training.channels,
        maxRuntimeSeconds: training.maxRuntimeSeconds,
        metricDefinitions: training.metricDefinitions,
        tags: Object.keys(input.tags).length > 0 ? input.tags : undefined,
        createdBy: ctx.principal.user.name,
      });
    } catch (error) {
      await discardDatasets(ctx, Object.values(training.channels));
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.put(TUNING_KIND, input.name, input.raw, ctx.principal.user.name);
    if (Object.keys(input.tags).length > 0) await ctx.deps.store.addTags(ctx.arn('hyper-parameter-tuning-job', input.name), input.tags);
    return { HyperParameterTuningJobArn: ctx.arn('hyper-parameter-tuning-job', input.name) };
  },
});

async function tuningJob(ctx: OperationContext, name: string): Promise<TuningJob> {
  try {
    return await ctx.deps.tuning.describe(name);
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Amazon SageMaker can't find a tuning job with name ${name}`, { cause: error });
    throw mapped;
  }
}

function objectiveMetric(job: TuningJob, value: number | null): Record<string, unknown> | undefined {
  return value === null ? undefined : { Type: job.objective.type, MetricName: job.objective.metric, Value: value };
}

function trialSummaries(ctx: OperationContext, job: TuningJob): Array<Record<string, unknown>> {
  return job.trials.map((t) => ({
    TrainingJobName: t.trainingJob,
    TrainingJobArn: ctx.arn('training-job', t.trainingJob),
    TuningJobName: job.name,
    CreationTime: epoch(t.createdAt),
    TrainingEndTime: epoch(t.endedAt),
    TrainingJobStatus: t.status,
    TunedHyperParameters: t.hyperParameters,
    FailureReason: t.failureReason ?? undefined,
    FinalHyperParameterTuningJobObjectiveMetric: objectiveMetric(job, t.objective),
    ObjectiveStatus: t.objective !== null ? 'Succeeded' : t.status === 'Failed' ? 'Failed' : 'Pending',
  }));
}

const describeTuningJob = operation<{ name: string }>({
  name: 'DescribeHyperParameterTuningJob',
  permission: 'jobs:read',
  input: (f) => ({ name: f.str('HyperParameterTuningJobName', { required: true, max: 32, pattern: TUNING_NAME }) }),
  async run({ name }, ctx) {
    const job = await tuningJob(ctx, name);
    const sent = (await ctx.deps.store.get(TUNING_KIND, name))?.request ?? {};
    const best = job.bestTrainingJob ? trialSummaries(ctx, job).find((t) => t.TrainingJobName === job.bestTrainingJob!.name) : undefined;
    const counts = job.trainingJobCounts;
    const succeeded = job.trials.filter((t) => t.objective !== null).length;
    const strategy = Object.entries(STRATEGIES).find(([, v]) => v === job.strategy)?.[0] ?? 'Bayesian';
    return {
      HyperParameterTuningJobName: job.name,
      HyperParameterTuningJobArn: ctx.arn('hyper-parameter-tuning-job', job.name),
      HyperParameterTuningJobConfig: sent.HyperParameterTuningJobConfig ?? {
        Strategy: strategy,
        HyperParameterTuningJobObjective: { Type: job.objective.type, MetricName: job.objective.metric },
        ResourceLimits: { MaxNumberOfTrainingJobs: job.maxJobs, MaxParallelTrainingJobs: job.maxParallel },
        TrainingJobEarlyStoppingType: job.earlyStopping,
      },
      TrainingJobDefinition: sent.TrainingJobDefinition,
      WarmStartConfig: sent.WarmStartConfig,
      HyperParameterTuningJobStatus: job.status,
      CreationTime: epoch(job.createdAt),
      HyperParameterTuningEndTime: epoch(job.endedAt),
      LastModifiedTime: epoch(job.updatedAt),
      TrainingJobStatusCounters: { Completed: counts.completed, InProgress: counts.inProgress, RetryableError: 0, NonRetryableError: counts.failed, Stopped: counts.stopped },
      ObjectiveStatusCounters: { Succeeded: succeeded, Pending: counts.inProgress, Failed: Math.max(0, job.trials.length - succeeded - counts.inProgress) },
      BestTrainingJob: best,
      FailureReason: job.failureReason ?? undefined,
    };
  },
});

const listTrials = operation<{ name: string; offset: number; limit: number; status?: string; sortBy?: string; sortOrder?: string }>({
  name: 'ListTrainingJobsForHyperParameterTuningJob',
  permission: 'jobs:read',
  input: (f) => ({
    name: f.str('HyperParameterTuningJobName', { required: true, max: 32, pattern: TUNING_NAME }),
    ...readPage(f),
    status: f.str('StatusEquals', { enum: ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] }),
    sortBy: f.str('SortBy', { enum: ['Name', 'CreationTime', 'Status', 'FinalObjectiveMetricValue'] }),
    sortOrder: f.str('SortOrder', { enum: ['Ascending', 'Descending'] }),
  }),
  async run(input, ctx) {
    const job = await tuningJob(ctx, input.name);
    let items = trialSummaries(ctx, job).filter((t) => !input.status || t.TrainingJobStatus === input.status);
    const sign = input.sortOrder === 'Ascending' ? 1 : -1;
    const key = (t: Record<string, unknown>): string | number => {
      if (input.sortBy === 'Name') return String(t.TrainingJobName);
      if (input.sortBy === 'Status') return String(t.TrainingJobStatus);
      if (input.sortBy === 'FinalObjectiveMetricValue') return ((t.FinalHyperParameterTuningJobObjectiveMetric as { Value?: number } | undefined)?.Value ?? -Infinity) * (job.objective.type === 'Minimize' ? -1 : 1);
      return Number(t.CreationTime ?? 0);
    };
    items = items.sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
    const page = items.slice(input.offset, input.offset + input.limit);
    return { TrainingJobSummaries: page, NextToken: nextToken(input.offset, page.length, items.length) };
  },
});

const listTuningJobs = operation<ListQuery>({
  name: 'ListHyperParameterTuningJobs',
  permission: 'jobs:read',
  input: (f) => readListQuery(f, { sortBy: ['CreationTime', 'Name', 'Status'], statuses: ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] }),
  async run(input, ctx) {
    // Orchard's tuning list filters by status, not by name.
    const page = await listPage(input, (limit, offset) => ctx.deps.tuning.list({ status: input.status as TuningJob['status'] | undefined, limit, offset }), (job) => job, { status: true });
    return {
      HyperParameterTuningJobSummaries: page.items.map((job) => ({
        HyperParameterTuningJobName: job.name,
        HyperParameterTuningJobArn: ctx.arn('hyper-parameter-tuning-job', job.name),
        HyperParameterTuningJobStatus: job.status,
        Strategy: Object.entries(STRATEGIES).find(([, v]) => v === job.strategy)?.[0] ?? 'Bayesian',
        CreationTime: epoch(job.createdAt),
        HyperParameterTuningEndTime: epoch(job.endedAt),
        LastModifiedTime: epoch(job.updatedAt),
        TrainingJobStatusCounters: { Completed: job.trainingJobCounts.completed, InProgress: job.trainingJobCounts.inProgress, RetryableError: 0, NonRetryableError: job.trainingJobCounts.failed, Stopped: job.trainingJobCounts.stopped },
        ObjectiveStatusCounters: {},
        ResourceLimits: { MaxNumberOfTrainingJobs: job.maxJobs, MaxParallelTrainingJobs: job.maxParallel },
      })),
      NextToken: page.nextToken,
    };
  },
});

const stopTuningJob = operation<{ name: string }>({
  name: 'StopHyperParameterTuningJob',
  permission: 'jobs:write',
  input: (f) => ({ name: f.str('HyperParameterTuningJobName', { required: true, max: 32, pattern: TUNING_NAME }) }),
  async run({ name }, ctx) {
    await tuningJob(ctx, name);
    try {
      await ctx.deps.tuning.stop(name);
    } catch (error) {
      throw sageMakerErrorOf(error, 'ResourceNotFound');
    }
    return {};
  },
});

export const TUNING_OPERATIONS = [createTuningJob, describeTuningJob, listTrials, listTuningJobs, stopTuningJob];
