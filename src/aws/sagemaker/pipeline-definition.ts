/**
 * SageMaker pipeline definitions (`Version: 2020-12-01`, what the SageMaker Python SDK's
 * `Pipeline.definition()` writes) translated onto Orchard's pipeline definition language.
 * Training steps go through CreateTrainingJob's own reading and translation; S3 inputs
 * become hidden string parameters that an execution fills with the dataset versions made
 * from them when it starts (Orchard's training steps read datasets).
 */
import type { PipelineDefinitionInput } from '../../contracts/index.js';
import { Fields } from './fields.js';
import type { OperationContext } from './operation.js';
import { SageMakerError } from './sagemaker-error.js';
import { CODE_PATH, readProcessingInput, scriptOf } from './processing.js';
import { readTrainingInput, trainingJobOf } from './training.js';

export const SAGEMAKER_PIPELINE_VERSION = '2020-12-01';
/** Orchard parameters that carry an execution's input datasets: `orchard-s3-1`, … */
export const INPUT_PARAMETER_PREFIX = 'orchard-s3-';
const SUPPORTED_TYPES = ['Training', 'Processing', 'Model', 'CreateModel', 'RegisterModel', 'Condition', 'Fail'];
const PARAMETER_TYPES = ['String', 'Integer', 'Float', 'Boolean'] as const;
export type SageMakerParameterType = (typeof PARAMETER_TYPES)[number];
const ORCHARD_TYPE: Record<SageMakerParameterType, 'string' | 'integer' | 'float' | 'boolean'> = { String: 'string', Integer: 'integer', Float: 'float', Boolean: 'boolean' };
/** Orchard's step and parameter name rule (SageMaker's allows a leading digit or `_`). */
const ORCHARD_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const CONDITION_OPERATORS: Record<string, string> = { Equals: '==', GreaterThan: '>', GreaterThanOrEqualTo: '>=', LessThan: '<', LessThanOrEqualTo: '<=' };
const APPROVAL = ['Approved', 'Rejected', 'PendingManualApproval'];

export interface SageMakerParameter {
  name: string;
  type: SageMakerParameterType;
  default?: string | number | boolean;
}

/**
 * An S3 location a step uses, resolved when an execution starts: a training channel or a
 * processing input read into a dataset version (`dataset`, the default), a processing
 * step's code packed as its source archive (`source`), an output location as the artifact
 * prefix it names (`prefix`).
 */
export interface S3InputSlot {
  /** The Orchard parameter the dataset ref, archive key or prefix is passed in. */
  parameter: string;
  kind?: 'dataset' | 'source' | 'prefix';
  step: string;
  /** The channel, input or output name. */
  channel: string;
  /** For `source`: the script the archive must hold. */
  entryPoint?: string;
  /** A literal `s3://` URI, or built from parameters (`Get`, `Std:Join`). */
  uri: unknown;
  dataType: string;
  contentType?: string;
}

export interface TranslatedPipeline {
  definition: PipelineDefinitionInput;
  parameters: SageMakerParameter[];
  inputs: S3InputSlot[];
  /** Step name -> SageMaker step type. */
  stepTypes: Record<string, string>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A SageMaker expression: `{"Get": …}`, `{"Std:Join": …}`, `{"Std:JsonGet": …}`. */
const isExpression = (v: unknown): v is Json => isObject(v) && Object.keys(v).length === 1 && ['Get', 'Std:Join', 'Std:JsonGet'].includes(Object.keys(v)[0]);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

interface Scope {
  ctx: OperationContext;
  root: Fields;
  parameters: Map<string, SageMakerParameter>;
  /** Every step's type, nested ones included. */
  stepTypes: Map<string, string>;
  steps: Json[];
  inputs: S3InputSlot[];
}

/** Reads and translates a definition; every problem is one `ValidationException` naming its field. */
export function translatePipeline(ctx: OperationContext, text: string): TranslatedPipeline {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SageMakerError('ValidationException', `PipelineDefinition is not valid JSON: ${(error as Error).message}`);
  }
  const root = Fields.of({}).nested('pipelineDefinition', parsed);
  if (!isObject(parsed)) root.fail('PipelineDefinition', parsed, 'Member must be a JSON object');
  root.str('Version', { required: true, enum: [SAGEMAKER_PIPELINE_VERSION] });
  const parameters = new Map<string, SageMakerParameter>();
  for (const p of root.list('Parameters', { max: 200 })) {
    const name = p.str('Name', { required: true, max: 256 });
    const type = (p.str('Type', { enum: PARAMETER_TYPES }) ?? 'String') as SageMakerParameterType;
    if (name === undefined) continue;
    if (!ORCHARD_NAME.test(name)) p.fail('Name', name, `Member must satisfy regular expression pattern: ${ORCHARD_NAME.source} on this server`);
    if (name.startsWith(INPUT_PARAMETER_PREFIX)) p.fail('Name', name, `Member must not start with '${INPUT_PARAMETER_PREFIX}' (this server's own parameters)`);
    if (parameters.has(name)) p.fail('Name', name, 'Member must be unique among the parameters');
    const parameter: SageMakerParameter = { name, type };
    if (p.has('DefaultValue')) {
      const value = type === 'String' ? p.str('DefaultValue') : type === 'Boolean' ? p.bool('DefaultValue') : p.num('DefaultValue', { integer: type === 'Integer' });
      if (value !== undefined) parameter.default = value;
    }
    parameters.set(name, parameter);
  }
  const stepList = root.list('Steps', { required: true, min: 1, max: 500 });
  const stepTypes = new Map<string, string>();
  collectNames(root, stepList, stepTypes);
  const scope: Scope = { ctx, root, parameters, stepTypes, steps: [], inputs: [] };
  for (const step of stepList) translateStep(scope, step);
  root.done();
  const orchardParameters: Record<string, { type: 'string' | 'integer' | 'float' | 'boolean'; default?: unknown; description?: string }> = {};
  for (const p of parameters.values()) orchardParameters[p.name] = { type: ORCHARD_TYPE[p.type], ...(p.default !== undefined ? { default: p.default } : {}) };
  for (const input of scope.inputs) orchardParameters[input.parameter] = { type: 'string', description: `Step ${input.step}'s ${input.channel} (${input.kind ?? 'dataset'}), resolved when the execution starts` };
  return {
    definition: { parameters: orchardParameters, steps: scope.steps as unknown as PipelineDefinitionInput['steps'] },
    parameters: [...parameters.values()],
    inputs: scope.inputs,
    stepTypes: Object.fromEntries(stepTypes),
  };
}

/** Every step's name and type, nested (condition branches) ones included, each name once. */
function collectNames(root: Fields, steps: Fields[], into: Map<string, string>): void {
  for (const step of steps) {
    const name = step.str('Name', { required: true, min: 1, max: 64 });
    const type = step.str('Type', { required: true, max: 64 });
    if (name === undefined || type === undefined) continue;
    if (!ORCHARD_NAME.test(name)) step.fail('Name', name, `Member must satisfy regular expression pattern: ${ORCHARD_NAME.source} on this server`);
    else if (into.has(name)) step.fail('Name', name, 'Member must be unique among the steps');
    into.set(name, type);
    if (type === 'Condition') {
      const args = step.obj('Arguments');
      collectNames(root, [...(args?.list('IfSteps') ?? []), ...(args?.list('ElseSteps') ?? [])], into);
    }
  }
}

function translateStep(scope: Scope, step: Fields): string | undefined {
  const name = step.str('Name');
  const type = step.str('Type');
  if (name === undefined || type === undefined) return undefined;
  if (!SUPPORTED_TYPES.includes(type)) {
    step.fail('Type', type, `Member must be one of [${SUPPORTED_TYPES.join(', ')}] on this server (step '${name}')`);
    return undefined;
  }
  const common: Json = { name };
  const dependsOn = step.strings('DependsOn', { max: 100 });
  for (const d of dependsOn) if (!scope.stepTypes.has(d)) step.fail('DependsOn', d, `Member must name a step of the pipeline (step '${name}')`);
  if (dependsOn.length > 0) common.dependsOn = dependsOn;
  const description = step.str('Description', { max: 1000 }) ?? step.str('DisplayName', { max: 1000 });
  if (description) common.description = description;
  const cache = step.obj('CacheConfig');
  if (cache?.bool('Enabled')) {
    const expireAfter = cache.str('ExpireAfter', { max: 64 });
    common.cache = { enabled: true, ...(expireAfter ? { expireAfter } : {}) };
  }
  const args = step.obj('Arguments', { required: type !== 'Fail' });
  if (!args && type !== 'Fail') return undefined;
  const raw = isObject(step.raw().Arguments) ? (step.raw().Arguments as Json) : undefined;
  const at = `${step.pathOf('Arguments')}`;
  switch (type) {
    case 'Training':
      return push(scope, { ...common, ...training(scope, name, raw ?? {}, at) });
    case 'Processing':
      return push(scope, { ...common, ...processing(scope, name, raw ?? {}, at) });
    case 'Model':
    case 'CreateModel':
      return push(scope, { ...common, type: 'create-model', from: modelSource(scope, raw ?? {}, at, ['PrimaryContainer'], ['Containers']) });
    case 'RegisterModel':
      return push(scope, { ...common, ...registerModel(scope, raw ?? {}, at) });
    case 'Fail': {
      const message = raw?.ErrorMessage;
      return push(scope, { ...common, type: 'fail', message: message === undefined || message === '' ? `Pipeline step ${name} failed` : expression(scope, message, `${at}.errorMessage`) });
    }
    case 'Condition':
      return condition(scope, common, args!, raw ?? {}, at);
  }
  return undefined;
}

function push(scope: Scope, step: Json): string {
  scope.steps.push(step);
  return step.name as string;
}

/** Problems found while translating, worded and pathed as the reader's. */
function fail(scope: Scope, path: string, value: unknown, constraint: string): undefined {
  scope.root.nested('', {}).fail(path, value, constraint);
  return undefined;
}

/**
 * A SageMaker value (a literal or an expression) as Orchard writes it. Parameters, the
 * execution's id and start time, and the step properties Orchard's steps have are
 * supported; anything else is a problem naming the field.
 */
function expression(scope: Scope, value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => expression(scope, v, `${path}.${i + 1}.member`));
  if (!isExpression(value)) return value;
  const [op] = Object.keys(value);
  const arg = value[op];
  if (op === 'Std:Join') {
    if (!isObject(arg) || !Array.isArray(arg.Values)) return fail(scope, path, value, "Member must be {\"Std:Join\": {\"On\": …, \"Values\": […]}}");
    return { Join: { on: typeof arg.On === 'string' ? arg.On : '', values: arg.Values.map((v, i) => expression(scope, v, `${path}.values.${i + 1}.member`)) } };
  }
  if (op === 'Std:JsonGet') return fail(scope, path, value, 'Member must not be Std:JsonGet: property files of processing steps are not read by this server');
  if (typeof arg !== 'string') return fail(scope, path, value, 'Member must be {"Get": "<path>"}');
  const [rootName, name, ...rest] = arg.split('.');
  if (rootName === 'Parameters') {
    if (name === undefined || rest.length > 0 || !scope.parameters.has(name)) return fail(scope, path, value, `Member must name a parameter of the pipeline (${[...scope.parameters.keys()].join(', ') || 'none'})`);
    return { Get: `Parameters.${name}` };
  }
  if (rootName === 'Execution') {
    const field = { PipelineExecutionId: 'id', StartDateTime: 'startTime', PipelineName: 'pipeline' }[name ?? ''];
    if (!field || rest.length > 0) return fail(scope, path, value, 'Member must be Execution.PipelineExecutionId, Execution.PipelineName or Execution.StartDateTime on this server');
    return { Get: `Execution.${field}` };
  }
  if (rootName === 'Steps' && name !== undefined) {
    const type = scope.stepTypes.get(name);
    if (type === undefined) return fail(scope, path, value, `Member must name a step of the pipeline ('${name}' is none)`);
    const property = rest.join('.');
    const mapped = stepProperty(type, property);
    if (mapped === undefined) return fail(scope, path, value, `Member must be a property this server's ${type} steps have (${STEP_PROPERTIES[type] ?? 'none'}), not '${property}'`);
    return { Get: `Steps.${name}.${mapped}` };
  }
  return fail(scope, path, value, 'Member must be a reference to Parameters, Steps or Execution');
}

const STEP_PROPERTIES: Record<string, string> = {
  Training: "TrainingJobName, TrainingJobStatus, ModelArtifacts.S3ModelArtifacts, FinalMetricDataList['<metric>'].Value",
  Processing: 'ProcessingJobName',
  Model: 'ModelName',
  CreateModel: 'ModelName',
};

function stepProperty(type: string, property: string): string | undefined {
  if (type === 'Training') {
    const metric = /^FinalMetricDataList\['([^'.]+)'\]\.Value$/.exec(property);
    if (metric) return `finalMetrics.${metric[1]}`;
    return { TrainingJobName: 'jobName', TrainingJobStatus: 'status', 'ModelArtifacts.S3ModelArtifacts': 'modelArtifact' }[property];
  }
  if (type === 'Model' || type === 'CreateModel') return property === 'ModelName' ? 'model' : undefined;
  if (type === 'Processing') return property === 'ProcessingJobName' ? 'jobName' : undefined;
  return undefined;
}

/** A text that passes the readers' string rules, `s3://` URIs' included. */
const PLACEHOLDER = 's3://placeholder/x';

/**
 * The value a field would have with each parameter at its default (or a value of its type):
 * lets the request readers check the arguments as they check a request.
 */
function placeholder(scope: Scope, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => placeholder(scope, v));
  if (isExpression(value)) {
    if (typeof value.Get === 'string' && value.Get.startsWith('Parameters.')) {
      const p = scope.parameters.get(value.Get.slice('Parameters.'.length));
      if (p?.default !== undefined) return p.default;
      return p?.type === 'Integer' || p?.type === 'Float' ? 1 : p?.type === 'Boolean' ? false : PLACEHOLDER;
    }
    const join = value['Std:Join'];
    if (isObject(join) && Array.isArray(join.Values)) return join.Values.map((v) => String(placeholder(scope, v))).join(typeof join.On === 'string' ? join.On : '');
    return PLACEHOLDER;
  }
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholder(scope, v)]));
  return value;
}

/** True for a literal, or an expression built of literals and parameters only (known when an execution starts). */
function knownAtStart(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (!isExpression(value)) return false;
  if (typeof value.Get === 'string') return value.Get.startsWith('Parameters.');
  const join = value['Std:Join'];
  return isObject(join) && Array.isArray(join.Values) && join.Values.every((v) => typeof v === 'number' || typeof v === 'boolean' || knownAtStart(v));
}

function training(scope: Scope, name: string, raw: Json, at: string): Json {
  const concrete = placeholder(scope, raw) as Json;
  const f = scope.root.nested(at, concrete);
  const before = scope.root.problemCount;
  const request = readTrainingInput(f, { named: false, hyperParameters: 'HyperParameters' });
  const readable = scope.root.problemCount === before;
  const rawHp = isObject(raw.HyperParameters) ? raw.HyperParameters : {};
  for (const [key, value] of Object.entries(rawHp)) {
    if (key.startsWith('sagemaker_') && isExpression(value)) fail(scope, `${at}.hyperParameters.${key}`, value, 'Member must be written as it is (this server reads it when the pipeline is stored)');
  }
  const rawSpec = isObject(raw.AlgorithmSpecification) ? raw.AlgorithmSpecification : {};
  for (const key of ['TrainingImage', 'AlgorithmName']) {
    if (isExpression(rawSpec[key])) fail(scope, `${at}.algorithmSpecification.${lowerFirst(key)}`, rawSpec[key], 'Member must be written as it is (this server chooses the algorithm when the pipeline is stored)');
  }
  let job: ReturnType<typeof trainingJobOf> | undefined;
  try {
    if (readable) job = trainingJobOf(scope.ctx, request);
  } catch (error) {
    if (!(error instanceof SageMakerError)) throw error;
    fail(scope, at, '…', `${error.message} (step '${name}')`);
  }
  if (readable && request.channels.length === 0) fail(scope, `${at}.inputDataConfig`, null, 'Member must not be null');
  const expressions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawHp)) {
    if (!key.startsWith('sagemaker_') && isExpression(value)) expressions[key] = expression(scope, value, `${at}.hyperParameters.${key}`);
  }
  const rawChannels = Array.isArray(raw.InputDataConfig) ? raw.InputDataConfig : [];
  const channels: Record<string, unknown> = {};
  request.channels.forEach((channel, i) => {
    const rawChannel = rawChannels[i] as Json | undefined;
    const source = isObject(rawChannel?.DataSource) && isObject(rawChannel.DataSource.S3DataSource) ? rawChannel.DataSource.S3DataSource : {};
    const ref = slot(scope, source.S3Uri, `${at}.inputDataConfig.${i + 1}.member.dataSource.s3DataSource.s3Uri`, { kind: 'dataset', step: name, channel: channel.name, dataType: channel.dataType, contentType: channel.contentType });
    if (ref !== undefined) channels[channel.name] = ref;
  });
  if (!job) return { type: 'training' };
  const hyperParameters: Record<string, unknown> = { ...job.hyperParameters, ...expressions };
  const rawStop = isObject(raw.StoppingCondition) ? raw.StoppingCondition.MaxRuntimeInSeconds : undefined;
  const maxRuntimeSeconds = isExpression(rawStop) ? expression(scope, rawStop, `${at}.stoppingCondition.maxRuntimeInSeconds`) : job.maxRuntimeSeconds;
  return {
    type: 'training',
    ...(job.algorithm ? { algorithm: job.algorithm } : {}),
    ...(job.script ? { script: job.script } : {}),
    hyperParameters,
    channels,
    ...(maxRuntimeSeconds !== undefined ? { maxRuntimeSeconds } : {}),
    ...(job.metricDefinitions ? { metricDefinitions: job.metricDefinitions } : {}),
    ...(job.tags ? { tags: job.tags } : {}),
  };
}

/** A value as written when it is an expression (translated), else what the reader read. */
function kept(scope: Scope, raw: unknown, read: unknown, path: string): unknown {
  return isExpression(raw) ? expression(scope, raw, path) : read;
}

const dig = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((o, k) => (isObject(o) ? o[k] : Array.isArray(o) && /^\d+$/.test(k) ? o[Number(k)] : undefined), value);

/** A slot for an S3 location known when the execution starts; a problem naming the field otherwise. */
function slot(scope: Scope, uri: unknown, path: string, rest: Omit<S3InputSlot, 'parameter' | 'uri'>): unknown {
  if (!knownAtStart(uri)) return fail(scope, path, uri ?? null, "Member must be an s3:// URI, written or built from pipeline parameters: this server resolves it when the execution starts, so another step's output is not supported here");
  const parameter = `${INPUT_PARAMETER_PREFIX}${scope.inputs.length + 1}`;
  scope.inputs.push({ parameter, uri, ...rest });
  return { Get: `Parameters.${parameter}` };
}

/**
 * A processing step: CreateProcessingJob's arguments read by its own reader; the code
 * input is packed, the other inputs read into datasets and the outputs' locations resolved
 * when the execution starts.
 */
function processing(scope: Scope, name: string, raw: Json, at: string): Json {
  const concrete = placeholder(scope, raw) as Json;
  const before = scope.root.problemCount;
  const request = readProcessingInput(scope.root.nested(at, concrete), concrete, { named: false });
  if (scope.root.problemCount !== before) return { type: 'processing' };
  let script: ReturnType<typeof scriptOf>;
  try {
    script = scriptOf(request);
  } catch (error) {
    if (!(error instanceof SageMakerError)) throw error;
    fail(scope, `${at}.appSpecification.containerEntrypoint`, '…', error.message);
    return { type: 'processing' };
  }
  const codeAt = request.inputs.findIndex((i) => i.localPath === CODE_PATH);
  if (codeAt < 0) {
    fail(scope, `${at}.processingInputs`, null, `Member must hold an input whose LocalPath is ${CODE_PATH}, where the script ${script.entryPoint} is`);
    return { type: 'processing' };
  }
  const inputPath = (i: number) => `${at}.processingInputs.${i + 1}.member.s3Input.s3Uri`;
  let sourceKey: unknown;
  const inputs: Json[] = [];
  request.inputs.forEach((input, i) => {
    const uri = dig(raw, 'ProcessingInputs', String(i), 'S3Input', 'S3Uri');
    if (i === codeAt) sourceKey = slot(scope, uri, inputPath(i), { kind: 'source', step: name, channel: input.name, entryPoint: script.entryPoint, dataType: input.dataType });
    else inputs.push({ name: input.name, dataset: slot(scope, uri, inputPath(i), { kind: 'dataset', step: name, channel: input.name, dataType: input.dataType }), localPath: input.localPath, distribution: input.distribution });
  });
  const outputs = request.outputs.map((output, i) => ({
    name: output.name,
    artifactPrefix: slot(scope, dig(raw, 'ProcessingOutputConfig', 'Outputs', String(i), 'S3Output', 'S3Uri'), `${at}.processingOutputConfig.outputs.${i + 1}.member.s3Output.s3Uri`, { kind: 'prefix', step: name, channel: output.name, dataType: 'S3Prefix' }),
    localPath: output.localPath,
  }));
  const rawArguments = dig(raw, 'AppSpecification', 'ContainerArguments');
  const args = request.arguments.map((a, i) => kept(scope, dig(rawArguments, String(i)), a, `${at}.appSpecification.containerArguments.${i + 1}.member`));
  const rawEnvironment = isObject(raw.Environment) ? raw.Environment : {};
  const environment = Object.fromEntries(Object.entries(request.environment).map(([k, v]) => [k, kept(scope, rawEnvironment[k], v, `${at}.environment.${k}`)]));
  const maxRuntimeSeconds = kept(scope, dig(raw, 'StoppingCondition', 'MaxRuntimeInSeconds'), request.maxRuntimeSeconds, `${at}.stoppingCondition.maxRuntimeInSeconds`);
  return {
    type: 'processing',
    script: { entryPoint: script.entryPoint, sourceKey },
    arguments: [...script.leading, ...args],
    ...(Object.keys(environment).length > 0 ? { environment } : {}),
    inputs,
    outputs,
    instanceCount: kept(scope, dig(raw, 'ProcessingResources', 'ClusterConfig', 'InstanceCount'), request.instanceCount, `${at}.processingResources.clusterConfig.instanceCount`),
    ...(maxRuntimeSeconds !== undefined ? { maxRuntimeSeconds } : {}),
    ...(Object.keys(request.tags).length > 0 ? { tags: request.tags } : {}),
  };
}

/**
 * The training step whose model a container's `ModelDataUrl` reads
 * (`{"Get": "Steps.<training>.ModelArtifacts.S3ModelArtifacts"}`), as Orchard's
 * `{"Get": "Steps.<training>"}`.
 */
function modelSource(scope: Scope, raw: Json, at: string, single: string[], lists: string[]): unknown {
  let container: Json | undefined;
  let path = at;
  for (const key of single) {
    if (isObject(raw[key])) {
      container = raw[key] as Json;
      path = `${at}.${lowerFirst(key)}`;
    }
  }
  for (const key of lists) {
    const list = key.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), raw);
    if (!container && Array.isArray(list) && isObject(list[0])) {
      container = list[0];
      path = `${at}.${key.split('.').map(lowerFirst).join('.')}.1.member`;
    }
  }
  if (!container) return fail(scope, `${at}.${lowerFirst(single[0] ?? lists[0])}`, null, 'Member must not be null');
  const url = container.ModelDataUrl;
  const match = isExpression(url) && typeof url.Get === 'string' ? /^Steps\.([^.]+)\.ModelArtifacts\.S3ModelArtifacts$/.exec(url.Get) : null;
  if (!match || scope.stepTypes.get(match[1]) !== 'Training') {
    return fail(scope, `${path}.modelDataUrl`, url ?? null, 'Member must be a training step\'s model ({"Get": "Steps.<training step>.ModelArtifacts.S3ModelArtifacts"}) on this server');
  }
  return { Get: `Steps.${match[1]}` };
}

function registerModel(scope: Scope, raw: Json, at: string): Json {
  const group = raw.ModelPackageGroupName;
  if (group === undefined || group === null) fail(scope, `${at}.modelPackageGroupName`, null, 'Member must not be null');
  const approval = raw.ModelApprovalStatus;
  if (typeof approval === 'string' && !APPROVAL.includes(approval)) fail(scope, `${at}.modelApprovalStatus`, approval, `Member must satisfy enum value set: [${APPROVAL.join(', ')}]`);
  return {
    type: 'register-model',
    group: expression(scope, group, `${at}.modelPackageGroupName`),
    from: modelSource(scope, raw, at, [], ['InferenceSpecification.Containers']),
    ...(approval !== undefined ? { approvalStatus: expression(scope, approval, `${at}.modelApprovalStatus`) } : {}),
  };
}

function condition(scope: Scope, common: Json, args: Fields, raw: Json, at: string): string {
  const conditions = Array.isArray(raw.Conditions) ? raw.Conditions : [];
  if (conditions.length === 0) fail(scope, `${at}.conditions`, raw.Conditions ?? null, 'Member must have length greater than or equal to 1');
  const test = conditions.map((c, i) => conditionOf(scope, c, `${at}.conditions.${i + 1}.member`));
  const position = scope.steps.length;
  const then = args.list('IfSteps').map((s) => translateStep(scope, s)).filter((n): n is string => n !== undefined);
  const otherwise = args.list('ElseSteps').map((s) => translateStep(scope, s)).filter((n): n is string => n !== undefined);
  // The condition before the branch steps it names.
  scope.steps.splice(position, 0, { ...common, type: 'condition', if: test.length === 1 ? test[0] : { and: test }, then, ...(otherwise.length > 0 ? { else: otherwise } : {}) });
  return common.name as string;
}

/** A SageMaker condition (`{"Type": "GreaterThanOrEqualTo", "LeftValue": …, "RightValue": …}`, In, Not, Or) as Orchard's. */
function conditionOf(scope: Scope, c: unknown, path: string): unknown {
  if (!isObject(c)) return fail(scope, path, c, 'Member must be a structure');
  const type = c.Type;
  if (typeof type === 'string' && CONDITION_OPERATORS[type]) {
    return { [CONDITION_OPERATORS[type]]: [expression(scope, c.LeftValue, `${path}.leftValue`), expression(scope, c.RightValue, `${path}.rightValue`)] };
  }
  if (type === 'In') return { in: [expression(scope, c.QueryValue, `${path}.queryValue`), expression(scope, c.Values, `${path}.values`)] };
  if (type === 'Not') return { not: conditionOf(scope, c.Expression, `${path}.expression`) };
  if (type === 'Or') {
    const list = Array.isArray(c.Conditions) ? c.Conditions : [];
    return { or: list.map((x, i) => conditionOf(scope, x, `${path}.conditions.${i + 1}.member`)) };
  }
  return fail(scope, `${path}.type`, type ?? null, `Member must satisfy enum value set: [${[...Object.keys(CONDITION_OPERATORS), 'In', 'Not', 'Or'].join(', ')}]`);
}

/**
 * The value of an input's URI once the execution's parameters are known (`values`: each
 * parameter's value as text).
 */
export function uriAtStart(uri: unknown, values: ReadonlyMap<string, string>): string {
  if (typeof uri === 'string') return uri;
  if (typeof uri === 'number' || typeof uri === 'boolean') return String(uri);
  if (isExpression(uri)) {
    if (typeof uri.Get === 'string') return values.get(uri.Get.slice('Parameters.'.length)) ?? '';
    const join = uri['Std:Join'] as { On?: string; Values: unknown[] };
    return join.Values.map((v) => uriAtStart(v, values)).join(join.On ?? '');
  }
  return '';
}
