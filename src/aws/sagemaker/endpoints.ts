/**
 * Endpoint configs and endpoints. Orchard deploys an endpoint from its variants directly;
 * SageMaker's EndpointConfig (variants + data capture, immutable, named) is kept in this
 * capability's own table and turned into the endpoint's configuration by CreateEndpoint and
 * UpdateEndpoint.
 */
import type { Endpoint, EndpointStatus } from '../../serving/endpoints/index.js';
import { ENDPOINT_STATUSES } from '../../contracts/values.js';
import { s3UriOfKey } from '../s3-uri.js';
import { orchardModel } from './models.js';
import { listPage, pageOf, readListQuery, type ListQuery } from './list-query.js';
import { epoch, nextToken, operation, readPage, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';
import type { SageMakerStore } from './sagemaker-store.js';

export const ENDPOINT_CONFIG_KIND = 'endpoint-config';
export const ENDPOINT_KIND = 'endpoint';

/** An endpoint config as stored (the request as sent, read back by CreateEndpoint/UpdateEndpoint/Describe). */
export interface EndpointConfigRequest {
  EndpointConfigName: string;
  ProductionVariants: Array<{ VariantName: string; ModelName: string; InitialInstanceCount?: number; InstanceType?: string; InitialVariantWeight?: number; [key: string]: unknown }>;
  DataCaptureConfig?: { EnableCapture?: boolean; InitialSamplingPercentage: number; DestinationS3Uri: string; [key: string]: unknown };
  AsyncInferenceConfig?: Record<string, unknown>;
  KmsKeyId?: string;
}

// --- Endpoint configs ---------------------------------------------------------------

const createEndpointConfig = operation<{ config: EndpointConfigRequest; tags: Record<string, string> }>({
  name: 'CreateEndpointConfig',
  permission: 'endpoints:write',
  input(f, body) {
    const name = f.name('EndpointConfigName', { required: true });
    const variants = f.list('ProductionVariants', { required: true, min: 1, max: 10 }).map((v) => {
      v.name('VariantName', { required: true });
      v.name('ModelName', { required: true });
      v.num('InitialInstanceCount', { integer: true, min: 1, max: 32 });
      v.num('InitialVariantWeight', { min: 0 });
      v.str('InstanceType', { max: 64 });
      if (v.has('ServerlessConfig') && !v.has('InitialInstanceCount')) v.obj('ServerlessConfig');
      return v;
    });
    const names = new Set<string>();
    const list = Array.isArray(body.ProductionVariants) ? (body.ProductionVariants as Array<Record<string, unknown>>) : [];
    for (const variant of list) {
      const variantName = String(variant?.VariantName ?? '');
      if (names.has(variantName)) f.fail('ProductionVariants', variantName, 'Member must have unique VariantName values');
      names.add(variantName);
    }
    const capture = f.obj('DataCaptureConfig');
    if (capture) {
      capture.bool('EnableCapture');
      capture.num('InitialSamplingPercentage', { required: true, integer: true, min: 0, max: 100 });
      capture.str('DestinationS3Uri', { required: true, max: 512 });
    }
    f.str('KmsKeyId', { max: 2048 });
    const asyncOutput = f.obj('AsyncInferenceConfig')?.obj('OutputConfig', { required: true });
    asyncOutput?.str('S3OutputPath', { max: 512, pattern: { pattern: /^s3:\/\//, source: '^(https|s3)://([^/])/?(.*)$' } });
    asyncOutput?.str('S3FailurePath', { max: 512, pattern: { pattern: /^s3:\/\//, source: '^(https|s3)://([^/])/?(.*)$' } });
    void variants;
    const keep = ['EndpointConfigName', 'ProductionVariants', 'DataCaptureConfig', 'AsyncInferenceConfig', 'KmsKeyId'];
    const config = Object.fromEntries(keep.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) as unknown as EndpointConfigRequest;
    return { config, tags: f.tags() };
  },
  async run({ config, tags }, ctx) {
    for (const variant of config.ProductionVariants) await orchardModel(ctx, variant.ModelName);
    const arn = ctx.arn('endpoint-config', config.EndpointConfigName);
    if (!(await ctx.deps.store.insert(ENDPOINT_CONFIG_KIND, config.EndpointConfigName, config, ctx.principal.user.name))) {
      throw new SageMakerError('ValidationException', `Cannot create already existing endpoint configuration "${arn}".`);
    }
    if (Object.keys(tags).length > 0) await ctx.deps.store.addTags(arn, tags);
    return { EndpointConfigArn: arn };
  },
});

/** A stored endpoint config, or SageMaker's "Could not find" ValidationException. */
export async function endpointConfig(ctx: OperationContext, name: string): Promise<{ config: EndpointConfigRequest; createdAt: string }> {
  const stored = await ctx.deps.store.get<EndpointConfigRequest>(ENDPOINT_CONFIG_KIND, name);
  if (!stored) throw new SageMakerError('ValidationException', `Could not find endpoint configuration "${ctx.arn('endpoint-config', name)}".`);
  return { config: stored.request, createdAt: stored.createdAt };
}

const describeEndpointConfig = operation<{ name: string }>({
  name: 'DescribeEndpointConfig',
  permission: 'endpoints:read',
  input: (f) => ({ name: f.name('EndpointConfigName', { required: true }) }),
  async run({ name }, ctx) {
    const { config, createdAt } = await endpointConfig(ctx, name);
    return { ...config, EndpointConfigArn: ctx.arn('endpoint-config', name), CreationTime: epoch(createdAt) };
  },
});

const deleteEndpointConfig = operation<{ name: string }>({
  name: 'DeleteEndpointConfig',
  permission: 'endpoints:write',
  input: (f) => ({ name: f.name('EndpointConfigName', { required: true }) }),
  async run({ name }, ctx) {
    await endpointConfig(ctx, name);
    await ctx.deps.store.delete(ENDPOINT_CONFIG_KIND, name);
    await ctx.deps.store.deleteTags(ctx.arn('endpoint-config', name));
    return {};
  },
});

/**
 * Where an endpoint's asynchronous inference writes (its endpoint config's
 * `AsyncInferenceConfig.OutputConfig`), for the runtime's InvokeEndpointAsync; undefined when
 * the endpoint was not made through CreateEndpoint or its config names no output.
 */
export async function asyncOutputConfig(store: SageMakerStore, endpointName: string): Promise<{ outputPath?: string; failurePath?: string } | undefined> {
  const endpoint = await store.get<{ EndpointConfigName: string }>(ENDPOINT_KIND, endpointName);
  if (!endpoint) return undefined;
  const config = await store.get<EndpointConfigRequest>(ENDPOINT_CONFIG_KIND, endpoint.request.EndpointConfigName);
  const output = (config?.request.AsyncInferenceConfig as { OutputConfig?: { S3OutputPath?: string; S3FailurePath?: string } } | undefined)?.OutputConfig;
  return output ? { outputPath: output.S3OutputPath, failurePath: output.S3FailurePath } : undefined;
}

// --- Endpoints ----------------------------------------------------------------------

/** The Orchard configuration an endpoint config stands for. */
function orchardConfig(config: EndpointConfigRequest): { variants: Array<{ name: string; model: string; instances: number; weight: number }>; capturePercent: number } {
  const capture = config.DataCaptureConfig;
  return {
    variants: config.ProductionVariants.map((v) => ({ name: v.VariantName, model: v.ModelName, instances: v.InitialInstanceCount ?? 1, weight: v.InitialVariantWeight ?? 1 })),
    capturePercent: capture && capture.EnableCapture !== false ? capture.InitialSamplingPercentage : 0,
  };
}

async function orchardEndpoint(ctx: OperationContext, name: string): Promise<Endpoint> {
  try {
    return await ctx.deps.endpoints.describe(name);
  } catch (error) {
    const mapped = sageMakerErrorOf(error);
    if (/NOT_FOUND/.test((error as { code?: string }).code ?? '')) throw new SageMakerError('ValidationException', `Could not find endpoint "${ctx.arn('endpoint', name)}".`, { cause: error });
    throw mapped;
  }
}

const createEndpoint = operation<{ name: string; configName: string; tags: Record<string, string> }>({
  name: 'CreateEndpoint',
  permission: 'endpoints:write',
  input: (f) => ({ name: f.name('EndpointName', { required: true }), configName: f.name('EndpointConfigName', { required: true }), tags: f.tags() }),
  async run({ name, configName, tags }, ctx) {
    const { config } = await endpointConfig(ctx, configName);
    try {
      await ctx.deps.endpoints.create({ name, ...orchardConfig(config), tags: Object.keys(tags).length > 0 ? tags : undefined, createdBy: ctx.principal.user.name });
    } catch (error) {
      const mapped = sageMakerErrorOf(error);
      if (mapped.type === 'ResourceInUse') throw new SageMakerError('ValidationException', `Cannot create already existing endpoint "${ctx.arn('endpoint', name)}".`, { cause: error });
      throw mapped;
    }
    await ctx.deps.store.put(ENDPOINT_KIND, name, { EndpointConfigName: configName }, ctx.principal.user.name);
    if (Object.keys(tags).length > 0) await ctx.deps.store.addTags(ctx.arn('endpoint', name), tags);
    return { EndpointArn: ctx.arn('endpoint', name) };
  },
});

const describeEndpoint = operation<{ name: string }>({
  name: 'DescribeEndpoint',
  permission: 'endpoints:read',
  input: (f) => ({ name: f.name('EndpointName', { required: true }) }),
  async run({ name }, ctx) {
    const endpoint = await orchardEndpoint(ctx, name);
    const sent = await ctx.deps.store.get<{ EndpointConfigName: string }>(ENDPOINT_KIND, name);
    const configName = sent?.request.EndpointConfigName;
    const config = configName ? await ctx.deps.store.get<EndpointConfigRequest>(ENDPOINT_CONFIG_KIND, configName) : undefined;
    const capture = endpoint.dataCapture;
    const destination = config?.request.DataCaptureConfig?.DestinationS3Uri;
    return {
      EndpointName: endpoint.name,
      EndpointArn: ctx.arn('endpoint', endpoint.name),
      // An endpoint made through Orchard's own API has no named config: its name stands in.
      EndpointConfigName: configName ?? endpoint.name,
      ProductionVariants: endpoint.variants.map((v) => ({
        VariantName: v.name,
        DeployedImages: [],
        CurrentWeight: v.currentWeight,
        DesiredWeight: v.desiredWeight,
        CurrentInstanceCount: v.currentInstances,
        DesiredInstanceCount: v.desiredInstances,
      })),
      DataCaptureConfig: capture
        ? { EnableCapture: capture.percent > 0, CaptureStatus: capture.percent > 0 ? 'Started' : 'Stopped', CurrentSamplingPercentage: capture.percent, DestinationS3Uri: destination ?? s3UriOfKey(capture.destination.replace(/^[a-z0-9]+:\/\/[^/]*\/?/, ''), ctx.bucket) }
        : undefined,
      AsyncInferenceConfig: config?.request.AsyncInferenceConfig,
      EndpointStatus: endpoint.status,
      FailureReason: endpoint.failureReason ?? undefined,
      CreationTime: epoch(endpoint.createdAt),
      LastModifiedTime: epoch(endpoint.updatedAt),
    };
  },
});

const updateEndpoint = operation<{ name: string; configName: string }>({
  name: 'UpdateEndpoint',
  permission: 'endpoints:write',
  input(f) {
    f.bool('RetainAllVariantProperties');
    f.bool('RetainDeploymentConfig');
    return { name: f.name('EndpointName', { required: true }), configName: f.name('EndpointConfigName', { required: true }) };
  },
  async run({ name, configName }, ctx) {
    await orchardEndpoint(ctx, name);
    const { config } = await endpointConfig(ctx, configName);
    try {
      await ctx.deps.endpoints.update(name, orchardConfig(config));
    } catch (error) {
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.put(ENDPOINT_KIND, name, { EndpointConfigName: configName }, ctx.principal.user.name);
    return { EndpointArn: ctx.arn('endpoint', name) };
  },
});

const updateWeights = operation<{ name: string; changes: Array<{ name: string; weight?: number; instances?: number }> }>({
  name: 'UpdateEndpointWeightsAndCapacities',
  permission: 'endpoints:write',
  input(f) {
    const name = f.name('EndpointName', { required: true });
    const changes = f.list('DesiredWeightsAndCapacities', { required: true, min: 1, max: 10 }).map((d) => ({
      name: d.name('VariantName', { required: true }),
      weight: d.num('DesiredWeight', { min: 0 }),
      instances: d.num('DesiredInstanceCount', { integer: true, min: 1, max: 32 }),
    }));
    return { name, changes };
  },
  async run({ name, changes }, ctx) {
    await orchardEndpoint(ctx, name);
    try {
      await ctx.deps.endpoints.setWeights(name, changes);
    } catch (error) {
      throw sageMakerErrorOf(error);
    }
    return { EndpointArn: ctx.arn('endpoint', name) };
  },
});

const deleteEndpoint = operation<{ name: string }>({
  name: 'DeleteEndpoint',
  permission: 'endpoints:write',
  input: (f) => ({ name: f.name('EndpointName', { required: true }) }),
  async run({ name }, ctx) {
    await orchardEndpoint(ctx, name);
    try {
      await ctx.deps.endpoints.delete(name);
    } catch (error) {
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.delete(ENDPOINT_KIND, name);
    await ctx.deps.store.deleteTags(ctx.arn('endpoint', name));
    return {};
  },
});

const listEndpoints = operation<ListQuery & { status?: EndpointStatus }>({
  name: 'ListEndpoints',
  permission: 'endpoints:read',
  input(f) {
    return { ...readListQuery(f, { sortBy: ['CreationTime', 'Name', 'Status'] }), status: f.str('StatusEquals', { enum: ENDPOINT_STATUSES }) as EndpointStatus | undefined };
  },
  async run(input, ctx) {
    const page = await listPage(input, (limit, offset) => ctx.deps.endpoints.list({ nameContains: input.nameContains, status: input.status, limit, offset }), (e) => e);
    return {
      Endpoints: page.items.map((e) => ({ EndpointName: e.name, EndpointArn: ctx.arn('endpoint', e.name), CreationTime: epoch(e.createdAt), LastModifiedTime: epoch(e.updatedAt), EndpointStatus: e.status })),
      NextToken: page.nextToken,
    };
  },
});

const listEndpointConfigs = operation<ListQuery>({
  name: 'ListEndpointConfigs',
  permission: 'endpoints:read',
  input: (f) => readListQuery(f, { sortBy: ['CreationTime', 'Name'], modifiedTimes: false }),
  async run(input, ctx) {
    // The configs made here are few: filtered and sorted in memory.
    const all = await ctx.deps.store.list(ENDPOINT_CONFIG_KIND, { nameContains: input.nameContains, limit: 10_000, offset: 0 });
    const page = pageOf(input, all, (c) => c);
    return {
      EndpointConfigs: page.items.map((c) => ({ EndpointConfigName: c.name, EndpointConfigArn: ctx.arn('endpoint-config', c.name), CreationTime: epoch(c.createdAt) })),
      NextToken: page.nextToken,
    };
  },
});

export const ENDPOINT_OPERATIONS = [createEndpointConfig, describeEndpointConfig, deleteEndpointConfig, listEndpointConfigs, createEndpoint, describeEndpoint, updateEndpoint, updateWeights, deleteEndpoint, listEndpoints];
