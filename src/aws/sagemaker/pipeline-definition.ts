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
import { INPUT_PARAMETER_PREFIX, ORCHARD_NAME, isObject, readParameters, type Json, type S3InputSlot, type SageMakerParameter, type SageMakerParameterType, type Scope } from './pipeline-inputs.js';
import { condition, createModel, failStep, processing, registerModel, training } from './pipeline-steps.js';
import { SageMakerError } from './sagemaker-error.js';

export const SAGEMAKER_PIPELINE_VERSION = '2020-12-01';
const SUPPORTED_TYPES = ['Training', 'Processing', 'Model', 'CreateModel', 'RegisterModel', 'Condition', 'Fail'];
const ORCHARD_TYPE: Record<SageMakerParameterType, 'string' | 'integer' | 'float' | 'boolean'> = { String: 'string', Integer: 'integer', Float: 'float', Boolean: 'boolean' };

export interface TranslatedPipeline {
  definition: PipelineDefinitionInput;
  parameters: SageMakerParameter[];
  inputs: S3InputSlot[];
  /** Step name -> SageMaker step type. */
  stepTypes: Record<string, string>;
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
  collectNames(root, stepList, stepTypes);
  const scope: Scope = { ctx, root, parameters, stepTypes, steps: [], inputs: [], translateStep: (step) => translateStep(scope, step) };
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

/** One step: the fields every step has, then its type's reader. Returns its name when it was translated. */
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
