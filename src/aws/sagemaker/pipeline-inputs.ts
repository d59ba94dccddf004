/**
 * What a SageMaker pipeline definition's values are made of, read when it is stored and
 * resolved when an execution starts: the pipeline's parameters, expressions (`Get`,
 * `Std:Join`) over parameters, the execution and other steps' properties, and the S3
 * locations steps use (slots: hidden Orchard parameters an execution fills in).
 */
import { resolveS3Uri } from '../s3-uri.js';
import { channelDatasetName, datasetOfS3Input } from './channels.js';
import type { Fields } from './fields.js';
import type { OperationContext } from './operation.js';
import { CODE_PATH, sourceArchive } from './processing.js';
import { SageMakerError } from './sagemaker-error.js';

/** Orchard parameters that carry an execution's input datasets: `orchard-s3-1`, … */
export const INPUT_PARAMETER_PREFIX = 'orchard-s3-';
export const PARAMETER_TYPES = ['String', 'Integer', 'Float', 'Boolean'] as const;
export type SageMakerParameterType = (typeof PARAMETER_TYPES)[number];
/** Orchard's step and parameter name rule (SageMaker's allows a leading digit or `_`). */
export const ORCHARD_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export interface SageMakerParameter {
  name: string;
  type: SageMakerParameterType;
  default?: string | number | boolean;
}

/**
 * An S3 location a step uses, resolved when an execution starts: a training channel, a
 * processing or transform input read into a dataset version (`dataset`, the default), a
 * processing step's code packed as its source archive (`source`), an output location as
 * the artifact prefix it names (`prefix`).
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

/** What a pipeline keeps of a Transform step to write its output where SageMaker does, once an execution starts. */
export interface TransformPlan {
  /** The S3 input and output locations as written (literals or built from parameters). */
  inputUri: unknown;
  outputPath: unknown;
  /** The request's parts DescribeTransformJob answers, as written. */
  request: Record<string, unknown>;
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A SageMaker expression: `{"Get": …}`, `{"Std:Join": …}`, `{"Std:JsonGet": …}`. */
export const isExpression = (v: unknown): v is Json => isObject(v) && Object.keys(v).length === 1 && ['Get', 'Std:Join', 'Std:JsonGet'].includes(Object.keys(v)[0]);
export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
/** A value below an object or list by keys (list indexes as digits); undefined when missing. */
export const dig = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((o, k) => (isObject(o) ? o[k] : Array.isArray(o) && /^\d+$/.test(k) ? o[Number(k)] : undefined), value);

/** What a definition is translated with: the request, its reader, what is known of it so far, and what is made. */
export interface Scope {
  ctx: OperationContext;
  root: Fields;
  parameters: Map<string, SageMakerParameter>;
  /** Every step's type, nested ones included. */
  stepTypes: Map<string, string>;
  /** Every step's arguments as written, nested ones included (some properties are read from them). */
  stepArguments: Map<string, Json>;
  steps: Json[];
  inputs: S3InputSlot[];
  /** The step being translated. */
  current?: string;
  /** Step -> the steps it refers to by a property Orchard resolves without them (it must still wait for them). */
  implied: Map<string, Set<string>>;
  /** Transform step -> what its output needs. */
  transforms: Record<string, TransformPlan>;
  /** Translates a nested step (a condition's branches); its name when it was translated. */
  translateStep(step: Fields): string | undefined;
}

/** Reads the definition's `Parameters`; every problem is reported on `root`. */
export function readParameters(root: Fields): Map<string, SageMakerParameter> {
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
  return parameters;
}

/** Problems found while translating, worded and pathed as the reader's. */
export function fail(scope: Scope, path: string, value: unknown, constraint: string): undefined {
  scope.root.nested('', {}).fail(path, value, constraint);
  return undefined;
}

/**
 * A SageMaker value (a literal or an expression) as Orchard writes it. Parameters, the
 * execution's id and start time, and the step properties Orchard's steps have are
 * supported; anything else is a problem naming the field.
 */
export function expression(scope: Scope, value: unknown, path: string): unknown {
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
    if (type === 'Transform' && property === 'TransformOutput.S3OutputPath') return transformOutputPath(scope, name, path);
    if (type === 'Processing' && property.startsWith('ProcessingOutputConfig.')) return processingOutput(scope, name, property, path, value);
    const mapped = stepProperty(type, property);
    if (mapped === undefined) return fail(scope, path, value, `Member must be a property this server's ${type} steps have (${STEP_PROPERTIES[type] ?? 'none'}), not '${property}'`);
    return { Get: `Steps.${name}.${mapped}` };
  }
  return fail(scope, path, value, 'Member must be a reference to Parameters, Steps or Execution');
}

/**
 * A Transform step's `TransformOutput.S3OutputPath`: the location as written (known when the
 * execution starts), the referring step made to wait for the transform as SageMaker does.
 */
function transformOutputPath(scope: Scope, step: string, path: string): unknown {
  const written = dig(scope.stepArguments.get(step), 'TransformOutput', 'S3OutputPath');
  if (!knownAtStart(written)) return undefined; // reported on the Transform step itself
  if (scope.current !== undefined && scope.current !== step) {
    const implied = scope.implied.get(scope.current) ?? new Set<string>();
    scope.implied.set(scope.current, implied.add(step));
  }
  return expression(scope, written, path);
}

/** `ProcessingOutputConfig.Outputs['<name>'].S3Output.S3Uri` (or `Outputs[<index>]`), as the SageMaker Python SDK writes it. */
const PROCESSING_OUTPUT = /^ProcessingOutputConfig\.Outputs\[(?:'([^']+)'|"([^"]+)"|(\d+))\]\.S3Output\.S3Uri$/;

/**
 * A Processing step's output location: Orchard's `Steps.<step>.outputs.<name>` (the store's
 * URL of the prefix the job wrote), so the referring step waits for the job and reads what it
 * wrote there. The output must be one the step declares.
 */
function processingOutput(scope: Scope, step: string, property: string, path: string, value: unknown): unknown {
  const match = PROCESSING_OUTPUT.exec(property);
  if (!match) return fail(scope, path, value, `Member must be a property this server's Processing steps have (${STEP_PROPERTIES.Processing}), not '${property}'`);
  const declared = dig(scope.stepArguments.get(step), 'ProcessingOutputConfig', 'Outputs');
  const names = (Array.isArray(declared) ? declared : []).map((o) => (isObject(o) && typeof o.OutputName === 'string' ? o.OutputName : undefined));
  const name = match[3] !== undefined ? names[Number(match[3])] : (match[1] ?? match[2]);
  if (name === undefined || !names.includes(name)) {
    const known = names.filter((n): n is string => n !== undefined);
    return fail(scope, path, value, `Member must name an output of step '${step}' (${known.map((n) => `'${n}'`).join(', ') || 'it has none'}), not ${match[3] !== undefined ? `Outputs[${match[3]}]` : `'${name}'`}`);
  }
  return { Get: `Steps.${step}.outputs.${name}` };
}

const STEP_PROPERTIES: Record<string, string> = {
  Training: "TrainingJobName, TrainingJobStatus, ModelArtifacts.S3ModelArtifacts, FinalMetricDataList['<metric>'].Value",
  Processing: "ProcessingJobName, ProcessingOutputConfig.Outputs['<output>'].S3Output.S3Uri",
  Transform: 'TransformJobName, TransformOutput.S3OutputPath',
  Model: 'ModelName',
  CreateModel: 'ModelName',
};

/** A SageMaker step property as the Orchard step output it reads. */
function stepProperty(type: string, property: string): string | undefined {
  if (type === 'Training') {
    const metric = /^FinalMetricDataList\['([^'.]+)'\]\.Value$/.exec(property);
    if (metric) return `finalMetrics.${metric[1]}`;
    return { TrainingJobName: 'jobName', TrainingJobStatus: 'status', 'ModelArtifacts.S3ModelArtifacts': 'modelArtifact' }[property];
  }
  if (type === 'Model' || type === 'CreateModel') return property === 'ModelName' ? 'model' : undefined;
  if (type === 'Processing') return property === 'ProcessingJobName' ? 'jobName' : undefined;
  if (type === 'Transform') return property === 'TransformJobName' ? 'jobName' : undefined;
  return undefined;
}

/** A text that passes the readers' string rules, `s3://` URIs' included. */
const PLACEHOLDER = 's3://placeholder/x';

/**
 * The value a field would have with each parameter at its default (or a value of its type):
 * lets the request readers check the arguments as they check a request.
 */
export function placeholder(scope: Scope, value: unknown): unknown {
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
export function knownAtStart(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (!isExpression(value)) return false;
  if (typeof value.Get === 'string') return value.Get.startsWith('Parameters.');
  const join = value['Std:Join'];
  return isObject(join) && Array.isArray(join.Values) && join.Values.every((v) => typeof v === 'number' || typeof v === 'boolean' || knownAtStart(v));
}

/** A value as written when it is an expression (translated), else what the reader read. */
export function kept(scope: Scope, raw: unknown, read: unknown, path: string): unknown {
  return isExpression(raw) ? expression(scope, raw, path) : read;
}

/** True for a `Get` of a Processing step's output location, or a `Std:Join` with one among literals and parameters. */
export function readsStepOutput(scope: Scope, value: unknown): boolean {
  if (!isExpression(value)) return false;
  if (typeof value.Get === 'string') {
    const [rootName, step, ...rest] = value.Get.split('.');
    return rootName === 'Steps' && scope.stepTypes.get(step) === 'Processing' && rest[0] === 'ProcessingOutputConfig';
  }
  const join = value['Std:Join'];
  if (!isObject(join) || !Array.isArray(join.Values)) return false;
  const parts = join.Values;
  return parts.some((v) => readsStepOutput(scope, v)) && parts.every((v) => typeof v === 'number' || typeof v === 'boolean' || knownAtStart(v) || readsStepOutput(scope, v) || (isExpression(v) && typeof v.Get === 'string' && v.Get.startsWith('Execution.')));
}

/**
 * A training channel's or a transform's input: a slot when its location is known when the
 * execution starts; a Processing step's output (or a file under it) read when the step
 * starts, the step made to wait for the processing job by the reference.
 */
export function stepInput(scope: Scope, uri: unknown, path: string, rest: Omit<S3InputSlot, 'parameter' | 'uri'>): unknown {
  if (knownAtStart(uri) || !mentionsStep(uri)) return slot(scope, uri, path, rest);
  // A missing step or output is named by the expression's own reader.
  const before = scope.root.problemCount;
  const translated = expression(scope, uri, path);
  if (scope.root.problemCount !== before) return undefined;
  if (!readsStepOutput(scope, uri)) return fail(scope, path, uri, `Member must be a Processing step's output ({"Get": "Steps.<step>.ProcessingOutputConfig.Outputs['<output>'].S3Output.S3Uri"}), or a Std:Join of one with literals, parameters and the execution's properties`);
  if (rest.dataType !== 'S3Prefix') return fail(scope, path.replace(/s3Uri$/, 's3DataType'), rest.dataType, "Member must be S3Prefix when the data is another step's output");
  return translated;
}

/**
 * A processing output's location: a slot when it is known when the execution starts; else,
 * as the SageMaker Python SDK writes a default destination
 * (`{"Std:Join": {"On": "/", "Values": ["s3:/", "<bucket>", "<pipeline>", {"Get": "Execution.PipelineExecutionId"}, …]}}`),
 * the artifact prefix as an expression the engine resolves when the step starts: the
 * literal `s3://<bucket>/` it begins with taken off.
 */
export function outputLocation(scope: Scope, uri: unknown, path: string, rest: Omit<S3InputSlot, 'parameter' | 'uri'>): unknown {
  const join = isExpression(uri) ? uri['Std:Join'] : undefined;
  if (knownAtStart(uri) || !isObject(join) || !Array.isArray(join.Values)) return slot(scope, uri, path, rest);
  const on = typeof join.On === 'string' ? join.On : '';
  const values = join.Values;
  const literal = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  const first = values.findIndex((v) => !literal(v));
  const onlyExecution = values.every((v) => literal(v) || knownAtStart(v) || (isExpression(v) && typeof v.Get === 'string' && v.Get.startsWith('Execution.')));
  const head = values.slice(0, first).map(String).join(on);
  const bucket = `s3://${scope.ctx.bucket}`;
  if (first <= 0 || !onlyExecution || !(head === bucket ? on === '/' : head.startsWith(`${bucket}/`))) return slot(scope, uri, path, rest);
  const tail = head === bucket ? '' : head.slice(bucket.length + 1);
  const key = tail === '' ? [] : [tail];
  return expression(scope, { 'Std:Join': { On: on, Values: [...key, ...values.slice(first)] } }, path);
}

/** True when a `Get` of a step's property is anywhere in the value. */
function mentionsStep(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(mentionsStep);
  if (!isObject(value)) return false;
  if (typeof value.Get === 'string') return value.Get.startsWith('Steps.');
  return Object.values(value).some(mentionsStep);
}

/** A slot for an S3 location known when the execution starts; a problem naming the field otherwise. */
export function slot(scope: Scope, uri: unknown, path: string, rest: Omit<S3InputSlot, 'parameter' | 'uri'>): unknown {
  if (!knownAtStart(uri)) return fail(scope, path, uri ?? null, "Member must be an s3:// URI, written or built from pipeline parameters: this server resolves it when the execution starts, so another step's output is not supported here");
  const parameter = `${INPUT_PARAMETER_PREFIX}${scope.inputs.length + 1}`;
  scope.inputs.push({ parameter, uri, ...rest });
  return { Get: `Parameters.${parameter}` };
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

/** Checks the values given for a start against the parameters' types; returns every parameter's value as text. */
export function parameterValues(declared: SageMakerParameter[], given: Array<{ name: string; value: string }>): Map<string, string> {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const byName = new Map(declared.map((p) => [p.name, p]));
  for (const { name, value } of given) {
    const p = byName.get(name);
    if (!p) problems.push(`Parameter '${name}' is not defined in the pipeline (it has ${declared.map((d) => d.name).join(', ') || 'none'})`);
    else if ((p.type === 'Integer' && !/^-?\d+$/.test(value)) || (p.type === 'Float' && (value.trim() === '' || !Number.isFinite(Number(value)))) || (p.type === 'Boolean' && value !== 'true' && value !== 'false')) {
      problems.push(`Parameter '${name}' is of type ${p.type}, and '${value}' is not one`);
    } else values.set(name, value);
  }
  for (const p of declared) {
    if (values.has(p.name)) continue;
    if (p.default !== undefined) values.set(p.name, String(p.default));
    else if (!given.some((g) => g.name === p.name)) problems.push(`Parameter '${p.name}' has no default value and was not given`);
  }
  if (problems.length > 0) throw new SageMakerError('ValidationException', problems.join('; '));
  return values;
}

/** The field a dataset slot's URI was read from, as the definition names it. */
const INPUT_FIELD: Record<string, string> = { Processing: 'ProcessingInputs', Training: 'InputDataConfig', Transform: 'TransformInput' };

/** What an execution's parameter for an S3 location holds: a dataset ref, a source archive's key or an artifact prefix. */
export async function resolveSlot(ctx: OperationContext, pipeline: string, slot: S3InputSlot, stepType: string | undefined, uri: string, made: string[], archives: string[]): Promise<string> {
  if (slot.kind === 'prefix') {
    try {
      return resolveS3Uri(uri, { bucket: ctx.bucket }).replace(/\/+$/, '');
    } catch (error) {
      throw new SageMakerError('ValidationException', `Steps.${slot.step}.ProcessingOutputConfig.Outputs.${slot.channel}.S3Output.S3Uri: ${(error as Error).message} (${uri})`);
    }
  }
  if (slot.kind === 'source') {
    const key = await sourceArchive(ctx, `sagemaker-${pipeline}-${slot.step}-${Date.now().toString(36)}`, { name: slot.channel, uri, localPath: CODE_PATH, dataType: slot.dataType, distribution: 'FullyReplicated' }, slot.entryPoint ?? '');
    archives.push(key);
    return key;
  }
  const field = `Steps.${slot.step}.${INPUT_FIELD[stepType ?? ''] ?? 'InputDataConfig'}.${slot.channel}`;
  const ref = await datasetOfS3Input(ctx, { uri, dataType: slot.dataType, contentType: slot.contentType }, { name: channelDatasetName(`${pipeline}-${slot.step}`, slot.channel), field, tags: { 'sagemaker:pipeline': pipeline } });
  made.push(ref);
  return ref;
}
