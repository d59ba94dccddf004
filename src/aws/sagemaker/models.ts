/** Models: CreateModel, DescribeModel, DeleteModel, ListModels (Orchard models, made from a training job's output or a built-in's model.tar.gz). */
import type { Model } from '../../registry/index.js';
import { resolveS3Uri, s3UriOfKey } from '../s3-uri.js';
import type { Fields } from './fields.js';
import { algorithmOfImage, imageOfAlgorithm } from './images.js';
import { listPage, readListQuery, type ListQuery } from './list-query.js';
import { epoch, operation, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const MODEL_KIND = 'model';

const ROLE_ARN = { pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/, source: '^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$' } as const;

interface CreateModelInput {
  name: string;
  image?: string;
  modelDataUrl?: string;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

function readContainer(c: Fields): { image?: string; modelDataUrl?: string } {
  const image = c.str('Image', { max: 255 });
  const modelDataUrl = c.str('ModelDataUrl', { max: 1024 }) ?? c.obj('ModelDataSource')?.obj('S3DataSource')?.str('S3Uri', { max: 1024 });
  c.map('Environment', { maxEntries: 100, maxValue: 1024 });
  return { image, modelDataUrl };
}

const createModel = operation<CreateModelInput>({
  name: 'CreateModel',
  permission: 'models:write',
  input(f, body) {
    const name = f.name('ModelName', { required: true });
    f.str('ExecutionRoleArn', { min: 20, max: 2048, pattern: ROLE_ARN });
    const primary = f.obj('PrimaryContainer');
    const containers = f.list('Containers', { max: 15 });
    if (!primary && containers.length === 0) f.fail('PrimaryContainer', null, 'Member must not be null when Containers is absent');
    if (containers.length > 1) f.fail('Containers', `${containers.length} containers`, 'Member must have length less than or equal to 1 (inference pipelines of containers are not supported here)');
    const container = primary ? readContainer(primary) : containers[0] ? readContainer(containers[0]) : {};
    const keep = ['PrimaryContainer', 'Containers', 'ExecutionRoleArn', 'EnableNetworkIsolation', 'VpcConfig', 'InferenceExecutionConfig'];
    return { name, ...container, tags: f.tags(), raw: Object.fromEntries(keep.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) };
  },
  async run(input, ctx) {
    if (!input.modelDataUrl) throw new SageMakerError('ValidationException', 'PrimaryContainer.ModelDataUrl is required: the s3:// URI of a model.tar.gz (a training job\'s ModelArtifacts.S3ModelArtifacts)');
    let key: string;
    try {
      key = resolveS3Uri(input.modelDataUrl, { bucket: ctx.bucket });
    } catch (error) {
      throw new SageMakerError('ValidationException', `PrimaryContainer.ModelDataUrl: ${(error as Error).message}`);
    }
    // A training job's own output keeps its lineage (algorithm, hyperparameters, datasets).
    const job = /^jobs\/([A-Za-z0-9-]+)\/output\/model\.tar\.gz$/.exec(key)?.[1];
    const algorithm = input.image ? algorithmOfImage(input.image) : undefined;
    if (!job && !algorithm) {
      throw new SageMakerError('ValidationException', `PrimaryContainer.Image '${input.image ?? ''}' is not a SageMaker built-in algorithm image this server serves; a model from a training job's S3ModelArtifacts needs none`);
    }
    try {
      await ctx.deps.models.create(job ? { name: input.name, fromJob: job, tags: input.tags, createdBy: ctx.principal.user.name } : { name: input.name, artifactKey: key, algorithm, tags: input.tags, createdBy: ctx.principal.user.name });
    } catch (error) {
      const mapped = sageMakerErrorOf(error);
      if (mapped.type === 'ResourceInUse') throw new SageMakerError('ValidationException', `Cannot create already existing model "${ctx.arn('model', input.name)}".`, { cause: error });
      throw mapped;
    }
    await ctx.deps.store.put(MODEL_KIND, input.name, input.raw, ctx.principal.user.name);
    if (Object.keys(input.tags).length > 0) await ctx.deps.store.addTags(ctx.arn('model', input.name), input.tags);
    return { ModelArn: ctx.arn('model', input.name) };
  },
});

/** An Orchard model, or SageMaker's "Could not find model" ValidationException. */
export async function orchardModel(ctx: OperationContext, name: string): Promise<Model> {
  try {
    return await ctx.deps.models.describe(name);
  } catch (error) {
    const mapped = sageMakerErrorOf(error);
    if (mapped.type === 'ValidationException' && /NOT_FOUND/.test((error as { code?: string }).code ?? '')) throw new SageMakerError('ValidationException', `Could not find model "${ctx.arn('model', name)}".`, { cause: error });
    throw mapped;
  }
}

const describeModel = operation<{ name: string }>({
  name: 'DescribeModel',
  permission: 'models:read',
  input: (f) => ({ name: f.name('ModelName', { required: true }) }),
  async run({ name }, ctx) {
    const model = await orchardModel(ctx, name);
    const sent = (await ctx.deps.store.get(MODEL_KIND, name))?.request ?? {};
    const container = {
      Image: model.algorithm ? imageOfAlgorithm(model.algorithm, ctx.region) : undefined,
      Mode: 'SingleModel',
      ModelDataUrl: s3UriOfKey(model.artifactKey, ctx.bucket),
    };
    return {
      ModelName: model.name,
      ModelArn: ctx.arn('model', model.name),
      PrimaryContainer: sent.PrimaryContainer ?? (sent.Containers ? undefined : container),
      Containers: sent.Containers,
      ExecutionRoleArn: sent.ExecutionRoleArn,
      EnableNetworkIsolation: sent.EnableNetworkIsolation ?? false,
      CreationTime: epoch(model.createdAt),
    };
  },
});

const deleteModel = operation<{ name: string }>({
  name: 'DeleteModel',
  permission: 'models:write',
  input: (f) => ({ name: f.name('ModelName', { required: true }) }),
  async run({ name }, ctx) {
    await orchardModel(ctx, name);
    try {
      await ctx.deps.models.delete(name);
    } catch (error) {
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.delete(MODEL_KIND, name);
    await ctx.deps.store.deleteTags(ctx.arn('model', name));
    return {};
  },
});

const listModels = operation<ListQuery>({
  name: 'ListModels',
  permission: 'models:read',
  input: (f) => readListQuery(f, { sortBy: ['CreationTime', 'Name'], modifiedTimes: false }),
  async run(input, ctx) {
    const page = await listPage(input, (limit, offset) => ctx.deps.models.list({ nameContains: input.nameContains, limit, offset }), (m) => m);
    return { Models: page.items.map((m) => ({ ModelName: m.name, ModelArn: ctx.arn('model', m.name), CreationTime: epoch(m.createdAt) })), NextToken: page.nextToken };
  },
});

export const MODEL_OPERATIONS = [createModel, describeModel, deleteModel, listModels];
