/**
 * One reader per SageMaker step type: each takes a step's `Arguments` as the SageMaker
 * Python SDK writes them and returns the Orchard step that does the same work. Training
 * and processing arguments go through CreateTrainingJob's and CreateProcessingJob's own
 * readers, so a step is checked as the request would be.
 */
import type { Fields } from './fields.js';
import { dig, expression, fail, isExpression, isObject, kept, knownAtStart, lowerFirst, outputLocation, placeholder, slot, stepInput, type Json, type Scope } from './pipeline-inputs.js';
import { CODE_PATH, readProcessingInput, scriptOf } from './processing.js';
import { SageMakerError } from './sagemaker-error.js';
import { readTrainingInput, trainingJobOf } from './training.js';
import { readTransformRequest } from './transform.js';

const CONDITION_OPERATORS: Record<string, string> = { Equals: '==', GreaterThan: '>', GreaterThanOrEqualTo: '>=', LessThan: '<', LessThanOrEqualTo: '<=' };
const APPROVAL = ['Approved', 'Rejected', 'PendingManualApproval'];

/** A training step: CreateTrainingJob's arguments; its channels read into datasets when the execution starts. */
export function training(scope: Scope, name: string, raw: Json, at: string): Json {
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
    const ref = stepInput(scope, source.S3Uri, `${at}.inputDataConfig.${i + 1}.member.dataSource.s3DataSource.s3Uri`, { kind: 'dataset', step: name, channel: channel.name, dataType: channel.dataType, contentType: channel.contentType });
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

/**
 * A processing step: CreateProcessingJob's arguments read by its own reader; the code
 * input is packed, the other inputs read into datasets and the outputs' locations resolved
 * when the execution starts.
 */
export function processing(scope: Scope, name: string, raw: Json, at: string): Json {
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
    artifactPrefix: outputLocation(scope, dig(raw, 'ProcessingOutputConfig', 'Outputs', String(i), 'S3Output', 'S3Uri'), `${at}.processingOutputConfig.outputs.${i + 1}.member.s3Output.s3Uri`, { kind: 'prefix', step: name, channel: output.name, dataType: 'S3Prefix' }),
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
export function modelSource(scope: Scope, raw: Json, at: string, single: string[], lists: string[]): unknown {
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

/** A model step (`Model`, or `CreateModel` from older SDKs): CreateModel's arguments. */
export function createModel(scope: Scope, raw: Json, at: string): Json {
  return { type: 'create-model', from: modelSource(scope, raw, at, ['PrimaryContainer'], ['Containers']) };
}

/**
 * A Transform step: CreateTransformJob's arguments read by its own reader; the input read
 * into a dataset when the execution starts, the model a literal name or a model step's
 * `ModelName`. Its output is written to S3OutputPath when the job completes
 * (`transform-output.ts`), from the plan kept in `scope.transforms`.
 */
export function transform(scope: Scope, name: string, raw: Json, at: string): Json {
  const concrete = placeholder(scope, raw) as Json;
  // The reader checks a name; a model step's ModelName (or a parameter) is known only when the execution runs.
  if (isExpression(raw.ModelName)) concrete.ModelName = 'model';
  const processing = isObject(raw.DataProcessing) ? raw.DataProcessing : {};
  // A filter or join built from parameters is checked when the execution creates the job.
  for (const [key, stand] of DATA_PROCESSING) {
    if (isExpression(processing[key]) && isObject(concrete.DataProcessing)) (concrete.DataProcessing as Json)[key] = stand;
  }
  const before = scope.root.problemCount;
  const request = readTransformRequest(scope.root.nested(at, concrete), concrete, { named: false });
  if (scope.root.problemCount !== before) return { type: 'transform' };
  const inputUri = dig(raw, 'TransformInput', 'DataSource', 'S3DataSource', 'S3Uri');
  const input = stepInput(scope, inputUri, `${at}.transformInput.dataSource.s3DataSource.s3Uri`, { kind: 'dataset', step: name, channel: 'input', dataType: request.dataType, contentType: request.contentType });
  const outputPath = dig(raw, 'TransformOutput', 'S3OutputPath');
  if (!knownAtStart(outputPath)) fail(scope, `${at}.transformOutput.s3OutputPath`, outputPath ?? null, "Member must be an s3:// URI, written or built from pipeline parameters: this server resolves it when the execution starts");
  // The parts kept as written (expressions included), not as the reader saw them with placeholders.
  scope.transforms[name] = { inputUri, outputPath, request: Object.fromEntries(Object.keys(request.raw).map((k) => [k, raw[k]])) };
  return {
    type: 'transform',
    model: expression(scope, raw.ModelName, `${at}.modelName`),
    input,
    ...(request.splitType ? { splitType: request.splitType } : {}),
    ...Object.fromEntries(
      DATA_PROCESSING.filter(([key]) => processing[key] !== undefined).map(([key]) => [lowerFirst(key), expression(scope, processing[key], `${at}.dataProcessing.${lowerFirst(key)}`)]),
    ),
  };
}

/** A Transform step's DataProcessing members, each with a valid stand-in for an expression's value. */
const DATA_PROCESSING = [
  ['InputFilter', '$'],
  ['JoinSource', 'None'],
  ['OutputFilter', '$'],
] as const;

/** A RegisterModel step: CreateModelPackage's arguments. */
export function registerModel(scope: Scope, raw: Json, at: string): Json {
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

/** A Fail step: its message, or SageMaker's default one. */
export function failStep(scope: Scope, name: string, raw: Json | undefined, at: string): Json {
  const message = raw?.ErrorMessage;
  return { type: 'fail', message: message === undefined || message === '' ? `Pipeline step ${name} failed` : expression(scope, message, `${at}.errorMessage`) };
}

/**
 * A Condition step: its branches translated after it, the condition put before the steps
 * it names. Returns the condition's name.
 */
export function condition(scope: Scope, common: Json, args: Fields, raw: Json, at: string): string {
  const conditions = Array.isArray(raw.Conditions) ? raw.Conditions : [];
  if (conditions.length === 0) fail(scope, `${at}.conditions`, raw.Conditions ?? null, 'Member must have length greater than or equal to 1');
  const test = conditions.map((c, i) => conditionOf(scope, c, `${at}.conditions.${i + 1}.member`));
  const position = scope.steps.length;
  const then = args.list('IfSteps').map((s) => scope.translateStep(s)).filter((n): n is string => n !== undefined);
  const otherwise = args.list('ElseSteps').map((s) => scope.translateStep(s)).filter((n): n is string => n !== undefined);
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
