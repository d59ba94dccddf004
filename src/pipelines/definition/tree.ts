/** The steps of a definition as one flat list: nested bodies included, each with its path and container. */
import { STEP_NAME_PATTERN, STEP_TYPES, type StepDef, type StepType } from '../../contracts/pipeline-definition.contract.js';
import { type Json, Problems, type StepInfo, isObject } from './types.js';

const NAME = new RegExp(STEP_NAME_PATTERN);

/**
 * Every step, parents before their bodies, in definition order. Steps that are not
 * objects, lack a valid name or have an unknown type are reported and left out; a
 * duplicate name is reported and its later step left out.
 */
export function collectSteps(steps: unknown, problems: Problems = new Problems()): StepInfo[] {
  const out: StepInfo[] = [];
  const seen = new Map<string, string>();
  const visit = (list: unknown[], prefix: string, parent: string | null, forEach: string | null): void => {
    list.forEach((raw, i) => {
      const path = `${prefix}[${i}]`;
      if (!isObject(raw)) {
        problems.add(path, 'must be a step: an object with a name and a type');
        return;
      }
      const name = raw.name;
      const type = raw.type as StepType;
      let ok = true;
      if (typeof name !== 'string' || !NAME.test(name)) {
        problems.add(`${path}.name`, name === undefined ? 'is required' : `must match ${STEP_NAME_PATTERN}`);
        ok = false;
      } else if (seen.has(name)) {
        problems.add(`${path}.name`, `duplicate step name '${name}' (also ${seen.get(name)}); names are unique in the whole definition`);
        ok = false;
      }
      if (!(STEP_TYPES as readonly unknown[]).includes(type)) {
        problems.add(`${path}.type`, type === undefined ? 'is required' : `unknown step type ${JSON.stringify(type)} (expected ${STEP_TYPES.join(', ')})`);
        ok = false;
      }
      if (!ok) return;
      seen.set(name as string, path);
      out.push({ name: name as string, type, def: raw as unknown as StepDef, path, parent, forEach, index: out.length });
      if (type === 'parallel') visitBranches(raw, path, name as string, forEach);
      if (type === 'for-each') visitBody(raw.steps, `${path}.steps`, name as string, name as string);
    });
  };
  const visitBody = (list: unknown, path: string, parent: string, forEach: string | null): void => {
    if (!Array.isArray(list)) problems.add(path, 'must be a list of steps');
    else if (list.length === 0) problems.add(path, 'needs at least one step');
    else visit(list, path, parent, forEach);
  };
  const visitBranches = (raw: Json, path: string, name: string, forEach: string | null): void => {
    const branches = raw.branches;
    if (!Array.isArray(branches) || branches.length === 0) {
      problems.add(`${path}.branches`, 'must be a non-empty list of branches, each a list of steps');
      return;
    }
    branches.forEach((branch, b) => visitBody(branch, `${path}.branches[${b}]`, name, forEach));
  };
  if (!Array.isArray(steps)) problems.add('steps', 'must be a list of steps');
  else if (steps.length === 0) problems.add('steps', 'needs at least one step');
  else visit(steps, 'steps', null, null);
  return out;
}

/** The containers (parallel, for-each) whose bodies hold a step, innermost first. */
export function ancestorsOf(info: StepInfo, byName: ReadonlyMap<string, StepInfo>): string[] {
  const out: string[] = [];
  for (let p = info.parent; p !== null; p = byName.get(p)?.parent ?? null) out.push(p);
  return out;
}

/** A parallel's branches as lists of step names (steps left out by {@link collectSteps} are skipped). */
export function branchesOf(info: StepInfo, byName: ReadonlyMap<string, StepInfo>): string[][] {
  const branches = (info.def as unknown as Json).branches;
  if (!Array.isArray(branches)) return [];
  return branches.map((branch) =>
    Array.isArray(branch)
      ? branch.flatMap((s) => (isObject(s) && typeof s.name === 'string' && byName.get(s.name)?.parent === info.name ? [s.name] : []))
      : [],
  );
}

export interface Gate {
  target: string;
  step: string;
  when: 'then' | 'else' | 'caught';
  /** Where the target is named. */
  field: string;
}

/** Who gates whom: condition branches and catch targets, as written (targets may not exist). */
export function gatesOf(infos: readonly StepInfo[]): Gate[] {
  const out: Gate[] = [];
  for (const info of infos) {
    const def = info.def as unknown as Json;
    if (info.type === 'condition') {
      for (const when of ['then', 'else'] as const) {
        const list = def[when];
        if (Array.isArray(list)) list.forEach((t, i) => typeof t === 'string' && out.push({ target: t, step: info.name, when, field: `${info.path}.${when}[${i}]` }));
      }
    }
    if (Array.isArray(def.catch)) {
      def.catch.forEach((c, i) => {
        if (isObject(c) && typeof c.next === 'string') out.push({ target: c.next, step: info.name, when: 'caught', field: `${info.path}.catch[${i}].next` });
      });
    }
  }
  return out;
}
