/**
 * A pipeline definition as a graph for the studio: every step (bodies of parallel and
 * for-each steps included, each knowing its container) and the edges between them:
 * references (`{"Get": "Steps.x…"}`), `dependsOn`, a condition's `then` / `else`, `catch`
 * targets, and the order of the steps in a parallel branch. The server's checker has
 * already accepted the definition; this reads it defensively all the same (an unknown
 * name is left out, never thrown on).
 */
import type { ExecutionStep } from '../api/client';

export type EdgeKind = 'ref' | 'depends' | 'then' | 'else' | 'catch' | 'next';

export interface GraphNode {
  name: string;
  type: string;
  /** The parallel or for-each step whose body holds it, or null at top level. */
  parent: string | null;
  /** A container's body, in definition order. */
  children: string[];
  /** Which branch of its parallel parent it is in (0 otherwise). */
  branch: number;
  /** Position in definition order (parents before their bodies). */
  index: number;
  def: Record<string, unknown>;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
}

export interface PipelineGraph {
  nodes: Map<string, GraphNode>;
  /** Every step, in definition order. */
  order: string[];
  edges: GraphEdge[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const STEP_REF = /^Steps\.([A-Za-z][A-Za-z0-9_-]*)/;

/** Names of the steps a value refers to through `{"Get": "Steps.<name>…"}`, at any depth. */
export function referencedSteps(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedSteps(v, out);
  else if (isObject(value)) {
    const get = value.Get;
    const m = typeof get === 'string' ? STEP_REF.exec(get) : null;
    if (m) out.add(m[1]);
    for (const v of Object.values(value)) referencedSteps(v, out);
  }
  return out;
}

/** A step's own fields: what may hold references (bodies, step-name lists and plain settings left out). */
function referenceFields(def: Json): Json {
  const { name: _n, type: _t, dependsOn: _d, catch: _c, retry: _r, branches: _b, then: _th, else: _el, ...rest } = def;
  if (def.type === 'for-each') {
    const { steps: _s, ...own } = rest;
    return own;
  }
  return rest;
}

function collect(steps: unknown): GraphNode[] {
  const out: GraphNode[] = [];
  const seen = new Set<string>();
  const visit = (list: unknown, parent: string | null, branch: number): string[] => {
    const names: string[] = [];
    if (!Array.isArray(list)) return names;
    for (const raw of list) {
      if (!isObject(raw) || typeof raw.name !== 'string' || typeof raw.type !== 'string' || seen.has(raw.name)) continue;
      const node: GraphNode = { name: raw.name, type: raw.type, parent, children: [], branch, index: out.length, def: raw };
      seen.add(node.name);
      out.push(node);
      names.push(node.name);
      if (raw.type === 'parallel' && Array.isArray(raw.branches)) raw.branches.forEach((b, i) => node.children.push(...visit(b, node.name, i)));
      if (raw.type === 'for-each') node.children.push(...visit(raw.steps, node.name, 0));
    }
    return names;
  };
  visit(steps, null, 0);
  return out;
}

/** The containers holding a step, innermost first. */
export function ancestors(nodes: ReadonlyMap<string, GraphNode>, name: string): string[] {
  const out: string[] = [];
  for (let p = nodes.get(name)?.parent ?? null; p !== null && !out.includes(p); p = nodes.get(p)?.parent ?? null) out.push(p);
  return out;
}

/** The graph of a stored definition (`{steps: [...]}`). */
export function graphOf(definition: unknown): PipelineGraph {
  const list = collect(isObject(definition) ? definition.steps : undefined);
  const nodes = new Map(list.map((n) => [n.name, n]));
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const add = (from: unknown, to: string, kind: EdgeKind) => {
    if (typeof from !== 'string' || from === to || !nodes.has(from)) return;
    // A step inside a container does not point at its own container.
    if (ancestors(nodes, to).includes(from) || ancestors(nodes, from).includes(to)) return;
    const key = `${from}\u0000${to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, kind });
  };
  // Labelled edges first, so a condition's target that also refers to it keeps its label.
  for (const n of list) {
    if (n.type === 'condition') for (const when of ['then', 'else'] as const) for (const t of asList(n.def[when])) if (nodes.has(t as string)) add(n.name, t as string, when);
    for (const c of asList(n.def.catch)) if (isObject(c) && typeof c.next === 'string' && nodes.has(c.next)) add(n.name, c.next, 'catch');
  }
  for (const n of list) {
    for (const r of referencedSteps(referenceFields(n.def))) add(r, n.name, 'ref');
    for (const d of asList(n.def.dependsOn)) add(d, n.name, 'depends');
    if (n.type === 'parallel' && Array.isArray(n.def.branches)) {
      for (const b of n.def.branches) {
        const names = asList(b).flatMap((s) => (isObject(s) && typeof s.name === 'string' && nodes.get(s.name)?.parent === n.name ? [s.name] : []));
        for (let i = 1; i < names.length; i++) add(names[i - 1], names[i], 'next');
      }
    }
  }
  return { nodes, order: list.map((n) => n.name), edges };
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

// ---- statuses ------------------------------------------------------------------------------

export type NodeStatus = ExecutionStep['status'];
const ACTIVE = new Set(['Starting', 'Executing', 'Retrying']);
const TERMINAL = new Set(['Succeeded', 'Failed', 'Skipped', 'Stopped']);

export interface NodeState {
  status: NodeStatus;
  /** The execution's rows for this node: one, or one per for-each iteration. */
  rows: ExecutionStep[];
}

/**
 * Each node's status in an execution. A step without a row is `Pending`. A step in a
 * for-each body has a row per iteration (`loop[2].train`): it shows the most pressing of
 * them (failed, then running, waiting, stopped), and succeeded only once its loop ended.
 */
export function nodeStates(graph: PipelineGraph, steps: readonly ExecutionStep[] | undefined): Map<string, NodeState> {
  const out = new Map<string, NodeState>();
  const byName = new Map<string, ExecutionStep[]>();
  for (const s of steps ?? []) {
    const name = s.name.includes('].') ? s.name.slice(s.name.lastIndexOf('].') + 2) : s.name;
    byName.set(name, [...(byName.get(name) ?? []), s]);
  }
  for (const name of graph.order) {
    const rows = byName.get(name) ?? [];
    const loop = ancestors(graph.nodes, name).find((a) => graph.nodes.get(a)?.type === 'for-each');
    if (!loop) {
      out.set(name, { status: rows[0]?.status ?? 'Pending', rows });
      continue;
    }
    const loopStatus = byName.get(loop)?.[0]?.status;
    out.set(name, { status: iterationsStatus(rows, loopStatus), rows });
  }
  return out;
}

function iterationsStatus(rows: readonly ExecutionStep[], loopStatus: NodeStatus | undefined): NodeStatus {
  const has = (p: (s: string) => boolean) => rows.some((r) => p(r.status));
  if (has((s) => s === 'Failed')) return 'Failed';
  if (has((s) => ACTIVE.has(s))) return 'Executing';
  if (has((s) => s === 'Waiting')) return 'Waiting';
  if (has((s) => s === 'Stopped')) return 'Stopped';
  const loopEnded = loopStatus !== undefined && TERMINAL.has(loopStatus);
  if (!loopEnded) return rows.length > 0 ? 'Executing' : 'Pending';
  // An empty list ran no iteration.
  if (rows.length === 0) return loopStatus === 'Succeeded' ? 'Skipped' : loopStatus;
  return rows.every((r) => r.status === 'Skipped') ? 'Skipped' : 'Succeeded';
}
