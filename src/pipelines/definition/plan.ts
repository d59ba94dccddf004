/**
 * The plan the engine runs: per step what must have ended before it starts (its deps),
 * the gates that decide whether it runs at all, and where it sits (parent, children);
 * and one topological order. The same graph finds cycles when a definition is checked.
 */
import type { PipelineDefinition, StepDef, StepType } from '../../contracts/pipeline-definition.contract.js';
import { referencedSteps } from './expressions.js';
import { ancestorsOf, branchesOf, collectSteps, gatesOf } from './tree.js';
import { type Json, type StepInfo } from './types.js';

export interface PlanStep {
  name: string;
  type: StepType;
  /** The step as written (narrow it by `def.type`; any field may be read). */
  def: StepDef & Json;
  /** Steps that must have ended before this one starts (references, dependsOn, its gating condition,
   *  the previous step of its parallel branch; for a for-each or parallel: every outer step its body refers to). */
  deps: string[];
  /** Runs only when every gate holds; otherwise the step is Skipped. */
  gates: Array<{ step: string; when: 'then' | 'else' | 'caught' }>;
  /** The parallel or for-each step whose body holds it, or null at top level. */
  parent: string | null;
  /** For parallel / for-each: its body's steps (for-each: in definition order). */
  children: string[];
}

export interface Plan {
  steps: Map<string, PlanStep>;
  /** A topological order of all steps (a parallel or for-each before its body). */
  order: string[];
}

/** A step's own fields: a container's body is left out (its steps have their own). */
export function ownFields(def: StepDef | Json): Json {
  const d = def as Json;
  if (d.type === 'parallel') {
    const { branches: _body, ...rest } = d;
    return rest;
  }
  if (d.type === 'for-each') {
    const { steps: _body, ...rest } = d;
    return rest;
  }
  return d;
}

/** What the graph is built from: the steps, by name, and each one's deps. */
export interface StepGraph {
  infos: StepInfo[];
  byName: Map<string, StepInfo>;
  deps: Map<string, string[]>;
  gates: Map<string, PlanStep['gates']>;
}

/** Deps of every step, following the rules of {@link PlanStep.deps}. Unknown names are ignored (the checker reports them). */
export function buildGraph(infos: StepInfo[]): StepGraph {
  const byName = new Map(infos.map((i) => [i.name, i]));
  const ancestors = new Map(infos.map((i) => [i.name, ancestorsOf(i, byName)]));
  const gates = new Map<string, PlanStep['gates']>(infos.map((i) => [i.name, []]));
  const gatedBy = new Map<string, string[]>();
  for (const g of gatesOf(infos)) {
    if (!byName.has(g.target) || g.target === g.step) continue;
    gates.get(g.target)!.push({ step: g.step, when: g.when });
    gatedBy.set(g.target, [...(gatedBy.get(g.target) ?? []), g.step]);
  }
  const direct = new Map<string, Set<string>>();
  for (const info of infos) {
    const def = info.def as unknown as Json;
    const names = [...referencedSteps(ownFields(def)), ...(Array.isArray(def.dependsOn) ? def.dependsOn : []), ...(gatedBy.get(info.name) ?? [])];
    const own = ancestors.get(info.name)!;
    direct.set(info.name, new Set(names.filter((n): n is string => typeof n === 'string' && byName.has(n) && n !== info.name && !own.includes(n))));
  }
  const isInside = (name: string, container: string) => ancestors.get(name)!.includes(container);
  const deps = new Map<string, string[]>();
  for (const info of infos) {
    const set = new Set(direct.get(info.name));
    if (info.type === 'parallel' || info.type === 'for-each') {
      for (const d of infos) {
        if (!isInside(d.name, info.name)) continue;
        for (const x of direct.get(d.name)!) if (x !== info.name && !isInside(x, info.name)) set.add(x);
      }
    }
    const parent = info.parent === null ? undefined : byName.get(info.parent);
    if (parent?.type === 'parallel') {
      const branch = branchesOf(parent, byName).find((b) => b.includes(info.name)) ?? [];
      const at = branch.indexOf(info.name);
      if (at > 0) set.add(branch[at - 1]);
      else for (const x of deps.get(parent.name) ?? []) set.add(x);
    }
    const forEach = info.forEach;
    const kept = forEach === null ? [...set] : [...set].filter((x) => isInside(x, forEach));
    deps.set(info.name, kept.sort((a, b) => byName.get(a)!.index - byName.get(b)!.index));
  }
  return { infos, byName, deps, gates };
}

/** Every edge "must come after": deps, and a container before its body. */
function predecessors(graph: StepGraph, name: string): string[] {
  const parent = graph.byName.get(name)!.parent;
  return parent === null ? graph.deps.get(name)! : [...graph.deps.get(name)!, parent];
}

/** The cycles of the graph (one path per strongly connected component), each as names with the first repeated at the end. */
export function findCycles(graph: StepGraph): string[][] {
  // Tarjan's strongly connected components, then one cycle through each component of size > 1.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of predecessors(graph, v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const info of graph.infos) if (!index.has(info.name)) connect(info.name);
  return components.map((component) => cycleThrough(graph, new Set(component)));
}

/** A cycle inside one strongly connected component, from its first step in definition order, written in run order. */
function cycleThrough(graph: StepGraph, component: Set<string>): string[] {
  const start = [...component].sort((a, b) => graph.byName.get(a)!.index - graph.byName.get(b)!.index)[0];
  const path = [start];
  const seen = new Set([start]);
  const extend = (v: string): boolean => {
    for (const w of predecessors(graph, v)) {
      if (!component.has(w)) continue;
      if (w === start) return true;
      if (seen.has(w)) continue;
      seen.add(w);
      path.push(w);
      if (extend(w)) return true;
      path.pop();
    }
    return false;
  };
  extend(start);
  // `path` follows "comes after" edges; reversed it reads in the order the steps would run.
  return [start, ...path.slice(1).reverse(), start];
}

/** Kahn's algorithm, taking the earliest step in definition order whenever several are ready. */
function topologicalOrder(graph: StepGraph): string[] {
  const remaining = new Map(graph.infos.map((i) => [i.name, new Set(predecessors(graph, i.name))]));
  const order: string[] = [];
  while (remaining.size) {
    const next = graph.infos.find((i) => remaining.get(i.name)?.size === 0);
    if (!next) throw new Error('compilePlan: the definition has a cycle (check it with parseDefinition first)');
    order.push(next.name);
    remaining.delete(next.name);
    for (const preds of remaining.values()) preds.delete(next.name);
  }
  return order;
}

/** The engine's plan of a checked definition (see {@link PlanStep} for what each field means). */
export function compilePlan(def: PipelineDefinition): Plan {
  const graph = buildGraph(collectSteps(def.steps));
  const steps = new Map<string, PlanStep>();
  for (const info of graph.infos) {
    const children =
      info.type === 'parallel' ? branchesOf(info, graph.byName).flat() : graph.infos.filter((c) => c.parent === info.name).map((c) => c.name);
    steps.set(info.name, {
      name: info.name,
      type: info.type,
      def: info.def as StepDef & Json,
      deps: graph.deps.get(info.name)!,
      gates: graph.gates.get(info.name)!,
      parent: info.parent,
      children,
    });
  }
  return { steps, order: topologicalOrder(graph) };
}
