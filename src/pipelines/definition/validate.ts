/**
 * Checks a parsed definition and lists every problem with its field path: the outer
 * shape, parameters, each step's fields (strict per type, expressions typed against
 * the declared outputs), names in then / else / catch / dependsOn, gates, and cycles.
 */
import { isErrorCode } from '../../core/errors.js';
import { readColumnFilter } from '../../serving/transform/column-filter.js';
import {
  CommonStepFields,
  LITERAL_FIELDS,
  PIPELINE_SCHEMA_VERSION,
  RETRY_DEFAULTS,
  STEP_REFERENCE_FIELDS,
  StepFields,
  type PipelineDefinition,
} from '../../contracts/pipeline-definition.contract.js';
import { type RefContext, checkCondition } from './expression-types.js';
import { checkValue } from './fields.js';
import { checkParameterSpecs } from './parameters.js';
import { buildGraph, findCycles } from './plan.js';
import { ancestorsOf, collectSteps, gatesOf } from './tree.js';
import { type Json, Problems, type StepInfo, isObject } from './types.js';

const TOP_FIELDS = ['schemaVersion', 'description', 'parameters', 'steps'];
const COMMON = CommonStepFields as unknown as Record<string, Json>;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Checks a definition (any JSON value); answers it normalised, with the problems found (none: it is valid). */
export function validateDefinition(value: unknown): { definition: PipelineDefinition; problems: Problems } {
  const problems = new Problems();
  if (!isObject(value)) {
    problems.add('definition', 'must be an object with steps (and optionally parameters, description, schemaVersion)');
    return { definition: value as PipelineDefinition, problems };
  }
  for (const key of Object.keys(value)) if (!TOP_FIELDS.includes(key)) problems.add(key, `unknown field (expected ${TOP_FIELDS.join(', ')})`);
  if (value.schemaVersion !== undefined && value.schemaVersion !== PIPELINE_SCHEMA_VERSION) problems.add('schemaVersion', `must be ${PIPELINE_SCHEMA_VERSION}`);
  if (value.description !== undefined && typeof value.description !== 'string') problems.add('description', 'must be a string');
  const parameters = checkParameterSpecs(value.parameters, problems);
  const infos = collectSteps(value.steps, problems);
  const byName = new Map(infos.map((i) => [i.name, i]));
  for (const info of infos) {
    const ctx: RefContext = { parameters, steps: byName, from: info, ancestors: new Set(ancestorsOf(info, byName)), problems };
    checkStep(info, ctx);
  }
  checkNames(infos, byName, problems);
  for (const cycle of findCycles(buildGraph(infos))) {
    problems.add(byName.get(cycle[0])!.path, `the steps ${cycle.join(' -> ')} form a cycle (through references, dependsOn, condition branches, catch or a body's container)`);
  }
  return { definition: normalise(value), problems };
}

function checkStep(info: StepInfo, ctx: RefContext): void {
  const def = info.def as unknown as Json;
  const own = StepFields[info.type] as unknown as Json;
  const ownProps = own.properties as Record<string, Json>;
  const literal = LITERAL_FIELDS[info.type] ?? [];
  const stepRefs = STEP_REFERENCE_FIELDS[info.type] ?? {};
  const expected = [...Object.keys(COMMON), ...Object.keys(ownProps)];
  const body = info.type === 'parallel' ? 'branches' : info.type === 'for-each' ? 'steps' : undefined; // reported with the steps
  for (const key of (own.required as string[] | undefined) ?? []) if (def[key] === undefined && key !== body) ctx.problems.add(`${info.path}.${key}`, 'is required');
  for (const [key, value] of Object.entries(def)) {
    const field = `${info.path}.${key}`;
    if (key === 'name' || key === 'type') continue;
    if (Object.hasOwn(COMMON, key)) checkValue(value, COMMON[key], field, ctx, { literal: true });
    else if (!Object.hasOwn(ownProps, key)) ctx.problems.add(field, `unknown field for a ${info.type} step (expected ${expected.join(', ')})`);
    else if (key === 'if') checkCondition(value, field, ctx);
    else if (key === 'branches' || (info.type === 'for-each' && key === 'steps')) continue; // checked as steps of their own
    else checkValue(value, ownProps[key], field, ctx, { literal: literal.includes(key), stepTypes: stepRefs[key] });
  }
  if (Array.isArray(def.retry)) {
    def.retry.forEach((rule, i) => checkErrorCodes(rule, `${info.path}.retry[${i}]`, ctx.problems));
  }
  if (Array.isArray(def.catch)) def.catch.forEach((rule, i) => checkErrorCodes(rule, `${info.path}.catch[${i}]`, ctx.problems));
  checkTypeRules(info, def, ctx.problems);
}

function checkErrorCodes(rule: unknown, field: string, problems: Problems): void {
  if (!isObject(rule) || !Array.isArray(rule.errors)) return;
  rule.errors.forEach((code, i) => {
    if (typeof code === 'string' && code !== '*' && /^ORCH_[A-Z0-9_]+$/.test(code) && !isErrorCode(code)) problems.add(`${field}.errors[${i}]`, `unknown error code '${code}'`);
  });
}

/** Rules across a step's fields that a schema does not say. */
function checkTypeRules(info: StepInfo, def: Json, problems: Problems): void {
  const at = (f: string) => `${info.path}.${f}`;
  if (info.type === 'training' || info.type === 'tuning') {
    if (def.channels === undefined && def.train === undefined && def.validation === undefined) problems.add(at('channels'), 'is required: give channels, or train / validation');
    if ((def.algorithm === undefined) === (def.script === undefined)) problems.add(at('algorithm'), 'give exactly one of algorithm and script');
    if (isObject(def.channels) && (Object.hasOwn(def.channels, 'train') && def.train !== undefined)) problems.add(at('train'), 'the channel train is also in channels');
  }
  if (info.type === 'transform') {
    // A literal filter's grammar now; one built from expressions when the step creates its job.
    for (const field of ['inputFilter', 'outputFilter'] as const) {
      if (typeof def[field] !== 'string') continue;
      try {
        readColumnFilter(def[field], field);
      } catch (err) {
        problems.add(at(field), (err as Error).message);
      }
    }
  }
  if (info.type === 'wait') {
    const given = ['seconds', 'until', 'approval'].filter((k) => def[k] !== undefined);
    if (given.length !== 1) problems.add(info.path, `a wait step takes exactly one of seconds, until and approval (got ${given.length ? given.join(', ') : 'none'})`);
    if (typeof def.until === 'string' && (!ISO_TIME.test(def.until) || Number.isNaN(Date.parse(def.until)))) problems.add(at('until'), 'must be an ISO-8601 time with a zone, such as 2026-01-31T09:00:00Z');
  }
}

/** then / else / catch / dependsOn name existing steps at the right level; a step is gated by one step at most. */
function checkNames(infos: StepInfo[], byName: ReadonlyMap<string, StepInfo>, problems: Problems): void {
  const gatedBy = new Map<string, { step: string; field: string }>();
  for (const gate of gatesOf(infos)) {
    const target = byName.get(gate.target);
    const from = byName.get(gate.step)!;
    const what = gate.when === 'caught' ? 'a catch' : `a condition's ${gate.when}`;
    if (!target) problems.add(gate.field, `names the step '${gate.target}', which the definition does not have`);
    else if (target.name === from.name) problems.add(gate.field, `${what} cannot name its own step`);
    else if (target.parent !== from.parent) problems.add(gate.field, `names '${gate.target}', which is not at the same level as '${from.name}' (${what} names steps of the same list or body)`);
    else {
      const earlier = gatedBy.get(target.name);
      if (earlier) problems.add(gate.field, `'${target.name}' is already gated by ${earlier.field}; a step is named in one condition branch or catch only`);
      else gatedBy.set(target.name, { step: from.name, field: gate.field });
    }
  }
  for (const info of infos) {
    const dependsOn = (info.def as unknown as Json).dependsOn;
    if (!Array.isArray(dependsOn)) continue;
    const ancestors = ancestorsOf(info, byName);
    dependsOn.forEach((name, i) => {
      const field = `${info.path}.dependsOn[${i}]`;
      const target = typeof name === 'string' ? byName.get(name) : undefined;
      if (typeof name !== 'string') return;
      if (!target) problems.add(field, `names the step '${name}', which the definition does not have`);
      else if (target.name === info.name) problems.add(field, 'a step cannot depend on itself');
      else if (ancestors.includes(target.name)) problems.add(field, `'${name}' contains this step (a cycle: it ends only after its body)`);
      else if (target.forEach !== null && !ancestors.includes(target.forEach)) problems.add(field, `'${name}' is inside the body of the for-each '${target.forEach}': only steps of that body can depend on it`);
    });
  }
}

/** Defaults filled in: schemaVersion, parameters, each retry rule's interval, backoff and attempts. */
function normalise(value: Json): PipelineDefinition {
  const def = structuredClone(value);
  def.schemaVersion ??= PIPELINE_SCHEMA_VERSION;
  def.parameters ??= {};
  const fill = (steps: unknown): void => {
    if (!Array.isArray(steps)) return;
    for (const step of steps) {
      if (!isObject(step)) continue;
      if (Array.isArray(step.retry)) step.retry = step.retry.map((r) => (isObject(r) ? { ...RETRY_DEFAULTS, ...r } : r));
      if (Array.isArray(step.branches)) step.branches.forEach(fill);
      if (step.type === 'for-each') fill(step.steps);
    }
  };
  fill(def.steps);
  return def as unknown as PipelineDefinition;
}
