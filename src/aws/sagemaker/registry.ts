/**
 * The model registry: CreateModelPackageGroup, CreateModelPackage, DescribeModelPackage,
 * UpdateModelPackage (approval), ListModelPackages. A package's container (image and
 * ModelDataUrl) becomes an Orchard model named `<group>-<version>`, registered as the
 * group's next version; ARNs are `model-package/<group>/<version>`.
 */
import type { ApprovalStatus, ModelPackage } from '../../registry/index.js';
import { APPROVAL_STATUSES } from '../../contracts/values.js';
import { resolveS3Uri } from '../s3-uri.js';
import { algorithmOfImage, imageOfAlgorithm } from './images.js';
import { pageOf, readListQuery, type ListQuery } from './list-query.js';
import { epoch, operation, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const GROUP_KIND = 'model-package-group';
const GROUP_NAME = { pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, source: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' } as const;
const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:model-package\/([a-zA-Z0-9-]{1,63})\/([1-9][0-9]{0,8})$/;

function packageArn(ctx: OperationContext, pkg: ModelPackage): string {
  return ctx.arn(`model-package/${pkg.group.toLowerCase()}`, String(pkg.version));
}

/** `arn:…:model-package/<group>/<version>` (or `group/version`) -> the registry's `group@version`. */
function packageRef(value: string, field: string): string {
  const arn = PACKAGE_ARN.exec(value) ?? /^()([a-zA-Z0-9-]{1,63})\/([1-9][0-9]{0,8})$/.exec(value);
  if (!arn) throw new SageMakerError('ValidationException', `1 validation error detected: Value '${value.slice(0, 200)}' at '${field}' failed to satisfy constraint: Member must be a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)`);
  return arn.length === 4 ? `${arn[2]}@${arn[3]}` : `${arn[1]}@${arn[2]}`;
}

/**
 * The group's name as Orchard stores it: ARNs carry names lower-cased, so a group is
 * found again from its ARN by comparing without case.
 */
async function groupName(ctx: OperationContext, ref: string): Promise<string> {
  const [lower, version] = ref.split('@');
  const groups = await ctx.deps.packages.groups();
  const match = groups.find((g) => g.name.toLowerCase() === lower.toLowerCase());
  return `${match?.name ?? lower}@${version}`;
}

function summary(ctx: OperationContext, pkg: ModelPackage): Record<string, unknown> {
  return {
    ModelPackageName: pkg.group,
    ModelPackageGroupName: pkg.group,
    ModelPackageVersion: pkg.version,
    ModelPackageArn: packageArn(ctx, pkg),
    ModelPackageDescription: pkg.description ?? undefined,
    CreationTime: epoch(pkg.createdAt),
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: pkg.approvalStatus,
  };
}

const createGroup = operation<{ name: string; description?: string; tags: Record<string, string> }>({
  name: 'CreateModelPackageGroup',
  permission: 'models:write',
  input: (f) => ({ name: f.str('ModelPackageGroupName', { required: true, max: 63, pattern: GROUP_NAME }), description: f.str('ModelPackageGroupDescription', { max: 1024 }), tags: f.tags() }),
  async run(input, ctx) {
    const arn = ctx.arn('model-package-group', input.name);
    const inRegistry = await ctx.deps.packages.group(input.name).then(
      () => true,
      () => false,
    );
    if (inRegistry || !(await ctx.deps.store.insert(GROUP_KIND, input.name, { ModelPackageGroupDescription: input.description }, ctx.principal.user.name))) {
      throw new SageMakerError('ValidationException', `Model Package Group already exists: ${arn}`);
    }
    if (Object.keys(input.tags).length > 0) await ctx.deps.store.addTags(arn, input.tags);
    return { ModelPackageGroupArn: arn };
  },
});

interface CreatePackageInput {
  group: string;
  description?: string;
  approval: ApprovalStatus;
  image?: string;
  modelDataUrl: string;
  tags: Record<string, string>;
}

const createPackage = operation<CreatePackageInput>({
  name: 'CreateModelPackage',
  permission: 'models:write',
  input(f) {
    const group = f.str('ModelPackageGroupName', { max: 170, pattern: GROUP_NAME }) ?? '';
    if (!group) f.fail('ModelPackageGroupName', null, 'Member must not be null (unversioned model packages are not supported here)');
    const spec = f.obj('InferenceSpecification', { required: true });
    const containers = spec?.list('Containers', { required: true, min: 1, max: 15 }) ?? [];
    if (containers.length > 1) spec?.fail('Containers', `${containers.length} containers`, 'Member must have length less than or equal to 1 on this server');
    const image = containers[0]?.str('Image', { required: true, max: 255 });
    const modelDataUrl = containers[0]?.str('ModelDataUrl', { max: 1024 }) ?? '';
    if (containers[0] && !modelDataUrl) containers[0].fail('ModelDataUrl', null, 'Member must not be null on this server (the s3:// URI of a model.tar.gz)');
    spec?.strings('SupportedContentTypes');
    spec?.strings('SupportedResponseMIMETypes');
    return {
      group,
      description: f.str('ModelPackageDescription', { max: 1024 }),
      approval: (f.str('ModelApprovalStatus', { enum: APPROVAL_STATUSES }) ?? 'PendingManualApproval') as ApprovalStatus,
      image,
      modelDataUrl,
      tags: f.tags(),
    };
  },
  async run(input, ctx) {
    let key: string;
    try {
      key = resolveS3Uri(input.modelDataUrl, { bucket: ctx.bucket });
    } catch (error) {
      throw new SageMakerError('ValidationException', `InferenceSpecification.Containers.1.ModelDataUrl: ${(error as Error).message}`);
    }
    const job = /^jobs\/([A-Za-z0-9-]+)\/output\/model\.tar\.gz$/.exec(key)?.[1];
    const algorithm = input.image ? algorithmOfImage(input.image) : undefined;
    if (!job && !algorithm) throw new SageMakerError('ValidationException', `InferenceSpecification.Containers.1.Image '${input.image ?? ''}' is not a SageMaker built-in algorithm image this server serves`);
    const next = await ctx.deps.packages.group(input.group).then(
      (g) => (g.latestVersion ?? 0) + 1,
      () => 1,
    );
    const model = `${input.group.slice(0, 52)}-v${next}`;
    try {
      await ctx.deps.models.create(job ? { name: model, fromJob: job, createdBy: ctx.principal.user.name } : { name: model, artifactKey: key, algorithm, createdBy: ctx.principal.user.name });
      const pkg = await ctx.deps.packages.register({ group: input.group, model, approvalStatus: input.approval, description: input.description, createdBy: ctx.principal.user.name });
      if (Object.keys(input.tags).length > 0) await ctx.deps.store.addTags(packageArn(ctx, pkg), input.tags);
      return { ModelPackageArn: packageArn(ctx, pkg) };
    } catch (error) {
      throw sageMakerErrorOf(error);
    }
  },
});

async function modelPackage(ctx: OperationContext, arn: string, field: string): Promise<ModelPackage> {
  const ref = await groupName(ctx, packageRef(arn, field));
  try {
    return await ctx.deps.packages.describe(ref);
  } catch (error) {
    const mapped = sageMakerErrorOf(error);
    if (/NOT_FOUND/.test((error as { code?: string }).code ?? '')) throw new SageMakerError('ValidationException', `ModelPackage ${arn} does not exist.`, { cause: error });
    throw mapped;
  }
}

const describePackage = operation<{ arn: string }>({
  name: 'DescribeModelPackage',
  permission: 'models:read',
  input: (f) => ({ arn: f.str('ModelPackageName', { required: true, min: 1, max: 2048 }) }),
  async run({ arn }, ctx) {
    const pkg = await modelPackage(ctx, arn, 'modelPackageName');
    const model = await ctx.deps.models.describe(pkg.modelName).catch(() => undefined);
    return {
      ...summary(ctx, pkg),
      InferenceSpecification: model ? { Containers: [{ Image: model.algorithm ? imageOfAlgorithm(model.algorithm, ctx.region) : undefined, ModelDataUrl: `s3://${ctx.bucket}/${model.artifactKey}` }], SupportedContentTypes: ['text/csv', 'application/json', 'application/jsonlines'], SupportedResponseMIMETypes: ['text/csv', 'application/json', 'application/jsonlines'] } : undefined,
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      ApprovalDescription: pkg.approvalHistory.at(-1)?.description ?? undefined,
      LastModifiedTime: epoch(pkg.updatedAt),
      CustomerMetadataProperties: { 'orchard:model': pkg.modelName },
    };
  },
});

const updatePackage = operation<{ arn: string; approval?: ApprovalStatus; description?: string }>({
  name: 'UpdateModelPackage',
  permission: 'models:approve',
  input: (f) => ({
    arn: f.str('ModelPackageArn', { required: true, min: 1, max: 2048 }),
    approval: f.str('ModelApprovalStatus', { enum: APPROVAL_STATUSES }) as ApprovalStatus | undefined,
    description: f.str('ApprovalDescription', { max: 1024 }),
  }),
  async run(input, ctx) {
    const pkg = await modelPackage(ctx, input.arn, 'modelPackageArn');
    if (input.approval) {
      try {
        await ctx.deps.packages.setApproval(pkg.ref, input.approval, { by: ctx.principal.user.name, description: input.description });
      } catch (error) {
        throw sageMakerErrorOf(error);
      }
    }
    return { ModelPackageArn: packageArn(ctx, pkg) };
  },
});

/** ListModelPackages' ModelPackageGroupName: a group's name or ARN. */
const GROUP_ARN_OR_NAME = {
  pattern: /^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:[a-z-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)$/,
  source: '(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)',
} as const;

interface ListPackagesInput extends ListQuery {
  group?: string;
  approval?: ApprovalStatus;
  type: 'Versioned' | 'Unversioned' | 'Both';
}

const listPackages = operation<ListPackagesInput>({
  name: 'ListModelPackages',
  permission: 'models:read',
  input(f) {
    const group = f.str('ModelPackageGroupName', { min: 1, max: 170, pattern: GROUP_ARN_OR_NAME });
    // AWS lists unversioned packages unless told otherwise, and a group's versions when one is named.
    const type = (f.str('ModelPackageType', { enum: ['Versioned', 'Unversioned', 'Both'] }) ?? (group === undefined ? 'Unversioned' : 'Versioned')) as ListPackagesInput['type'];
    const approval = f.str('ModelApprovalStatus', { enum: APPROVAL_STATUSES }) as ApprovalStatus | undefined;
    return { ...readListQuery(f, { sortBy: ['CreationTime', 'Name'], modifiedTimes: false, defaultOrder: 'Ascending' }), group, approval, type };
  },
  async run(input, ctx) {
    // Every package Orchard registers is a group's version: there are no unversioned ones.
    if (input.type === 'Unversioned') return { ModelPackageSummaryList: [] };
    const names = input.group === undefined ? (await ctx.deps.packages.groups()).map((g) => g.name) : [(await groupName(ctx, `${/model-package-group\/(.+)$/.exec(input.group)?.[1] ?? input.group}@1`)).split('@')[0]];
    const items: ModelPackage[] = [];
    for (const name of names) {
      if (input.nameContains !== undefined && !name.includes(input.nameContains)) continue;
      try {
        items.push(...(await ctx.deps.packages.versions(name, { approvalStatus: input.approval })));
      } catch (error) {
        if (/NOT_FOUND/.test((error as { code?: string }).code ?? '')) continue;
        throw sageMakerErrorOf(error);
      }
    }
    // A versioned package's name is its group's: versions of one group sort by number.
    const page = pageOf({ ...input, nameContains: undefined }, items, (p) => ({ name: `${p.group}/${String(p.version).padStart(9, '0')}`, createdAt: p.createdAt }));
    return { ModelPackageSummaryList: page.items.map((p) => summary(ctx, p)), NextToken: page.nextToken };
  },
});

/** A group as SageMaker answers it: from the registry once it has a version, else as CreateModelPackageGroup stored it. */
async function packageGroup(ctx: OperationContext, name: string): Promise<{ name: string; description?: string; createdAt: string; createdBy: string | null } | undefined> {
  const stored = await ctx.deps.store.get<{ ModelPackageGroupDescription?: string }>(GROUP_KIND, name);
  const group = await ctx.deps.packages.group(name).catch(() => undefined);
  if (group) return { name: group.name, description: stored?.request.ModelPackageGroupDescription ?? group.description ?? undefined, createdAt: stored?.createdAt ?? group.createdAt, createdBy: group.createdBy };
  return stored ? { name, description: stored.request.ModelPackageGroupDescription, createdAt: stored.createdAt, createdBy: stored.createdBy } : undefined;
}

const describeGroup = operation<{ name: string }>({
  name: 'DescribeModelPackageGroup',
  permission: 'models:read',
  input: (f) => ({ name: f.str('ModelPackageGroupName', { required: true, max: 63, pattern: GROUP_NAME }) }),
  async run({ name }, ctx) {
    const group = await packageGroup(ctx, name);
    if (!group) throw new SageMakerError('ValidationException', `ModelPackageGroup ${name} does not exist.`);
    return {
      ModelPackageGroupName: group.name,
      ModelPackageGroupArn: ctx.arn('model-package-group', group.name),
      ModelPackageGroupDescription: group.description,
      CreationTime: epoch(group.createdAt),
      CreatedBy: group.createdBy ? { UserProfileName: group.createdBy } : undefined,
      ModelPackageGroupStatus: 'Completed',
    };
  },
});

const listGroups = operation<ListQuery & { crossAccount: boolean }>({
  name: 'ListModelPackageGroups',
  permission: 'models:read',
  input: (f) => {
    // One account here: groups shared from other accounts (`CrossAccount`) are none.
    const crossAccount = f.str('CrossAccountFilterOption', { enum: ['SameAccount', 'CrossAccount'] }) === 'CrossAccount';
    return { ...readListQuery(f, { sortBy: ['CreationTime', 'Name'], modifiedTimes: false, defaultOrder: 'Ascending' }), crossAccount };
  },
  async run(input, ctx) {
    if (input.crossAccount) return { ModelPackageGroupSummaryList: [] };
    // Groups of the registry, and those made here that have no version yet.
    const names = new Set((await ctx.deps.packages.groups()).map((g) => g.name));
    for (const stored of await ctx.deps.store.list(GROUP_KIND, { limit: 10_000, offset: 0 })) names.add(stored.name);
    const matching = [...names].filter((n) => !input.nameContains || n.includes(input.nameContains));
    const groups = (await Promise.all(matching.map((n) => packageGroup(ctx, n)))).filter((g): g is NonNullable<typeof g> => g !== undefined);
    const page = pageOf(input, groups, (g) => g);
    return {
      ModelPackageGroupSummaryList: page.items.map((g) => ({ ModelPackageGroupName: g.name, ModelPackageGroupArn: ctx.arn('model-package-group', g.name), ModelPackageGroupDescription: g.description, CreationTime: epoch(g.createdAt), ModelPackageGroupStatus: 'Completed' })),
      NextToken: page.nextToken,
    };
  },
});

export const REGISTRY_OPERATIONS = [createGroup, describeGroup, listGroups, createPackage, describePackage, updatePackage, listPackages];
