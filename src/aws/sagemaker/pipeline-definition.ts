/**
 * SageMaker pipeline definitions (`Version: 2020-12-01`, what the SageMaker Python SDK's
 * `Pipeline.definition()` writes) translated onto Orchard's pipeline definition language.
 * Each step type has its reader (`pipeline-steps.ts`); parameters, expressions and the S3
 * locations steps use are `pipeline-inputs.ts`'. S3 inputs become hidden string parameters
 * that an execution fills with the dataset versions made from them when it starts
 * (Orchard's steps read datasets).
 */
import type { PipelineDefinitionInput } from '../../contracts/index.js';
import { Fields } from './fields.js';
import type { OperationContext } from './operation.js';
import { INPUT_PARAMETER_PREFIX, ORCHARD_NAME, isObject, readParameters, type Json, type S3InputSlot, type SageMakerParameter, type SageMakerParameterType, type Scope, type TransformPlan } from './pipeline-inputs.js';
import { condition, createModel, failStep, processing, registerModel, training, transform } from './pipeline-steps.js';
import { SageMakerError } from './sagemaker-error.js';

export const SAGEMAKER_PIPELINE_VERSION = '2020-12-01';
const SUPPORTED_TYPES = ['Training', 'Processing', 'Transform', 'Model', 'CreateModel', 'RegisterModel', 'Condition', 'Fail'];
const ORCHARD_TYPE: Record<SageMakerParameterType, 'string' | 'integer' | 'float' | 'boolean'> = { String: 'string', Integer: 'integer', Float: 'float', Boolean: 'boolean' };

export interface TranslatedPipeline {
  definition: PipelineDefinitionInput;
  parameters: SageMakerParameter[];
  inputs: S3InputSlot[];
  /** Step name -> SageMaker step type. */
  stepTypes: Record<string, string>;
  /** Transform step name -> what its output needs when an execution starts. */
  transforms: Record<string, TransformPlan>;
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
  const parameters = readParameters(root);
  const stepList = root.list('Steps', { required: true, min: 1, max: 500 });
  const stepTypes = new Map<string, string>();
  const stepArguments = new Map<string, Json>();
  collectNames(root, stepList, stepTypes, stepArguments);
  const transforms: Record<string, TransformPlan> = {};
  const scope: Scope = { ctx, root, parameters, stepTypes, stepArguments, steps: [], inputs: [], implied: new Map(), transforms, translateStep: (step) => translateStep(scope, step) };
  for (const step of stepList) translateStep(scope, step);
  root.done();
  addImpliedDependencies(scope);
  const orchardParameters: Record<string, { type: 'string' | 'integer' | 'float' | 'boolean'; default?: unknown; description?: string }> = {};
  for (const p of parameters.values()) orchardParameters[p.name] = { type: ORCHARD_TYPE[p.type], ...(p.default !== undefined ? { default: p.default } : {}) };
  for (const input of scope.inputs) orchardParameters[input.parameter] = { type: 'string', description: `Step ${input.step}'s ${input.channel} (${input.kind ?? 'dataset'}), resolved when the execution starts` };
  return {
    definition: { parameters: orchardParameters, steps: scope.steps as unknown as PipelineDefinitionInput['steps'] },
    parameters: [...parameters.values()],
    inputs: scope.inputs,
    stepTypes: Object.fromEntries(stepTypes),
    transforms,
  };
}

/**
 * A property reference that Orchard resolves without reading the step (a Transform step's
 * S3OutputPath) still makes the referring step wait for it, as SageMaker does.
 */
function addImpliedDependencies(scope: Scope): void {
  for (const step of scope.steps) {
    const implied = scope.implied.get(step.name as string);
    if (!implied) continue;
    const dependsOn = new Set([...((step.dependsOn as string[] | undefined) ?? []), ...implied]);
    step.dependsOn = [...dependsOn];
  }
}

/** Every step's name and type, nested (condition branches) ones included, each name once. */
function collectNames(root: Fields, steps: Fields[], into: Map<string, string>, args: Map<string, Json>): void {
  for (const step of steps) {
    const name = step.str('Name', { required: true, min: 1, max: 64 });
    const type = step.str('Type', { required: true, max: 64 });
    if (name === undefined || type === undefined) continue;
    if (!ORCHARD_NAME.test(name)) step.fail('Name', name, `Member must satisfy regular expression pattern: ${ORCHARD_NAME.source} on this server`);
    else if (into.has(name)) step.fail('Name', name, 'Member must be unique among the steps');
    into.set(name, type);
    const raw = step.raw().Arguments;
    if (isObject(raw)) args.set(name, raw);
    if (type === 'Condition') {
      const branches = step.obj('Arguments');
      collectNames(root, [...(branches?.list('IfSteps') ?? []), ...(branches?.list('ElseSteps') ?? [])], into, args);
    }
  }
}

/** One step: the fields every step has, then its type's reader. Returns its name when it was translated. */
function translateStep(scope: Scope, step: Fields): string | undefined {
  const name = step.str('Name');
  const type = step.str('Type');
  if (name === undefined || type === undefined) return undefined;
  const outer = scope.current;
  scope.current = name;
  try {
    return translateTyped(scope, step, name, type);
  } finally {
    scope.current = outer;
  }
}

function translateTyped(scope: Scope, step: Fields, name: string, type: string): string | undefined {
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
    case 'Transform':
      return push(scope, { ...common, ...transform(scope, name, raw ?? {}, at) });
    case 'Model':
    case 'CreateModel':
      return push(scope, { ...common, ...createModel(scope, raw ?? {}, at) });
    case 'RegisterModel':
      return push(scope, { ...common, ...registerModel(scope, raw ?? {}, at) });
    case 'Fail':
      return push(scope, { ...common, ...failStep(scope, name, raw, at) });
    case 'Condition':
      return condition(scope, common, args!, raw ?? {}, at);
  }
  return undefined;
}

function push(scope: Scope, step: Json): string {
  scope.steps.push(step);
  return step.name as string;
}
