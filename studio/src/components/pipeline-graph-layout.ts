/**
 * A small layered layout for a pipeline's graph, top to bottom. Each level (the top level,
 * and the body of each parallel or for-each step) is laid out on its own: a step's layer
 * is the longest path to it from the level's first steps, and a container is one box as
 * big as its laid-out body. An edge between levels counts, for the layering, between the
 * steps (or containers) that hold its ends at the level they share, so whatever a
 * container's body needs sits above the whole container. A parallel's branches are
 * columns side by side. Within a layer, steps follow their predecessors (one barycentre
 * pass), then definition order.
 */
import { ancestors, type PipelineGraph } from './pipeline-graph-model';

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
  /** Padding inside a container box, and the height of its title. */
  pad: number;
  header: number;
}

export const LAYOUT_DEFAULTS: LayoutOptions = { nodeWidth: 168, nodeHeight: 46, gapX: 28, gapY: 44, pad: 14, header: 26 };

export interface Box {
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  container: boolean;
  /** The layer it is in, within its level. */
  layer: number;
}

export interface GraphLayout {
  boxes: Map<string, Box>;
  width: number;
  height: number;
}

interface Level {
  w: number;
  h: number;
  /** Positions relative to the level's top-left corner. */
  boxes: Box[];
}

/** Boxes for every step of the graph, in absolute coordinates, with the drawing's size. */
export function layoutGraph(graph: PipelineGraph, options: Partial<LayoutOptions> = {}): GraphLayout {
  const o = { ...LAYOUT_DEFAULTS, ...options };
  const boxes = new Map<string, Box>();
  const bodies = new Map<string, Level>();
  const top = layoutLevel(graph, null, o, bodies);
  const place = (level: Level, dx: number, dy: number) => {
    for (const b of level.boxes) {
      const abs = { ...b, x: b.x + dx, y: b.y + dy };
      boxes.set(b.name, abs);
      const inner = bodies.get(b.name);
      if (inner) place(inner, abs.x + o.pad + (abs.w - 2 * o.pad - inner.w) / 2, abs.y + o.header);
    }
  };
  place(top, 0, 0);
  return { boxes, width: Math.max(top.w, 1), height: Math.max(top.h, 1) };
}

/** The steps directly in `container` (or at top level) laid out in layers; each container's body goes into `bodies`. */
function layoutLevel(graph: PipelineGraph, container: string | null, o: LayoutOptions, bodies: Map<string, Level>): Level {
  const members = graph.order.filter((n) => graph.nodes.get(n)!.parent === container);
  const index = new Map(members.map((m, i) => [m, i]));
  // Each member's size: a plain step, or a container around its laid-out body.
  const size = new Map<string, { w: number; h: number; container: boolean }>();
  for (const m of members) {
    const node = graph.nodes.get(m)!;
    if (node.children.length === 0) size.set(m, { w: o.nodeWidth, h: node.type === 'parallel' || node.type === 'for-each' ? o.nodeHeight + o.header : o.nodeHeight, container: false });
    else {
      const inner = layoutLevel(graph, m, o, bodies);
      bodies.set(m, inner);
      size.set(m, { w: Math.max(inner.w + 2 * o.pad, o.nodeWidth), h: inner.h + o.header + o.pad, container: true });
    }
  }
  // Edges lifted to this level.
  const holder = (name: string): string | undefined => (index.has(name) ? name : ancestors(graph.nodes, name).find((a) => index.has(a)));
  const preds = new Map<string, Set<string>>(members.map((m) => [m, new Set()]));
  for (const e of graph.edges) {
    const from = holder(e.from);
    const to = holder(e.to);
    if (from !== undefined && to !== undefined && from !== to) preds.get(to)!.add(from);
  }
  // A parallel's branches are columns side by side; any other level is one set of layers.
  if (container !== null && graph.nodes.get(container)!.type === 'parallel') {
    const branches = new Map<number, string[]>();
    for (const m of members) branches.set(graph.nodes.get(m)!.branch, [...(branches.get(graph.nodes.get(m)!.branch) ?? []), m]);
    const columns = [...branches.entries()].sort((a, b) => a[0] - b[0]).map(([, names]) => layered(graph, names, size, preds, o));
    const boxes: Box[] = [];
    let x = 0;
    for (const c of columns) {
      boxes.push(...c.boxes.map((b) => ({ ...b, x: b.x + x })));
      x += c.w + o.gapX;
    }
    return { w: Math.max(0, x - o.gapX), h: Math.max(0, ...columns.map((c) => c.h)), boxes };
  }
  return layered(graph, members, size, preds, o);
}

/** Layers of `members` by longest path over `preds`, each layer a centred row. */
function layered(graph: PipelineGraph, members: string[], size: ReadonlyMap<string, { w: number; h: number; container: boolean }>, allPreds: ReadonlyMap<string, Set<string>>, o: LayoutOptions): Level {
  const index = new Map(members.map((m, i) => [m, i]));
  const preds = new Map(members.map((m) => [m, [...allPreds.get(m)!].filter((p) => index.has(p))]));
  // Longest path, relaxed at most once per member (a cycle, which the checker refuses, cannot loop).
  const layer = new Map(members.map((m) => [m, 0]));
  for (let round = 0; round < members.length; round++) {
    let changed = false;
    for (const m of members) {
      for (const p of preds.get(m)!) {
        if (layer.get(p)! + 1 > layer.get(m)!) {
          layer.set(m, layer.get(p)! + 1);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  const layers: string[][] = [];
  for (const m of members) (layers[layer.get(m)!] ??= []).push(m);
  // Order within a layer: branch, then the mean position of its predecessors, then definition order.
  const slot = new Map<string, number>();
  let y = 0;
  let width = 0;
  const rows: { names: string[]; w: number; h: number; y: number }[] = [];
  layers.forEach((names, li) => {
    const bary = (n: string) => {
      const ps = preds.get(n)!.filter((p) => slot.has(p));
      return ps.length ? ps.reduce((a, p) => a + slot.get(p)!, 0) / ps.length : Number.POSITIVE_INFINITY;
    };
    const sorted = [...(names ?? [])].sort((a, b) => graph.nodes.get(a)!.branch - graph.nodes.get(b)!.branch || bary(a) - bary(b) || index.get(a)! - index.get(b)!);
    sorted.forEach((n, i) => slot.set(n, i));
    const w = sorted.reduce((a, n) => a + size.get(n)!.w, 0) + o.gapX * Math.max(0, sorted.length - 1);
    const h = Math.max(0, ...sorted.map((n) => size.get(n)!.h));
    rows.push({ names: sorted, w, h, y });
    width = Math.max(width, w);
    y += h + (li < layers.length - 1 ? o.gapY : 0);
  });
  const boxes: Box[] = [];
  rows.forEach((row, li) => {
    let x = (width - row.w) / 2;
    for (const n of row.names) {
      const s = size.get(n)!;
      boxes.push({ name: n, x, y: row.y, w: s.w, h: s.h, container: s.container, layer: li });
      x += s.w + o.gapX;
    }
  });
  return { w: width, h: y, boxes };
}

export interface EdgeRoute {
  d: string;
  /** Where a label goes. */
  mid: { x: number; y: number };
  /** The rightmost x the path reaches (a detour may pass right of the drawing). */
  right: number;
}

/** Points along the straight line between two points, ends excluded. */
function samples(x1: number, y1: number, x2: number, y2: number, n = 24): Array<[number, number]> {
  return Array.from({ length: n - 1 }, (_, i) => [x1 + ((x2 - x1) * (i + 1)) / n, y1 + ((y2 - y1) * (i + 1)) / n]);
}

const inside = (b: Box, [x, y]: [number, number]) => x > b.x + 2 && x < b.x + b.w - 2 && y > b.y + 2 && y < b.y + b.h - 2;

/**
 * An edge's path from the bottom of one box to the top of another: a cubic curve, or,
 * when the straight way crosses another box (an edge skipping a layer), a detour down
 * the right of the boxes in the way. `obstacles` leaves out the containers holding either end.
 */
export function edgePath(from: Box, to: Box, obstacles: readonly Box[] = []): EdgeRoute {
  const x1 = from.x + from.w / 2;
  const y1 = from.y + from.h;
  const x2 = to.x + to.w / 2;
  const y2 = to.y;
  const points = samples(x1, y1, x2, y2);
  const blocking = obstacles.filter((b) => b !== from && b !== to && points.some((p) => inside(b, p)));
  if (blocking.length === 0) {
    const dy = Math.max(24, (y2 - y1) / 2);
    return { d: `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`, mid: { x: (x1 + x2) / 2, y: (y1 + y2) / 2 }, right: Math.max(x1, x2) };
  }
  // Down the right of the boxes in the way: a curve to their top, a straight run, a curve to the end.
  const wx = Math.max(...blocking.map((b) => b.x + b.w)) + 18;
  const top = Math.max(y1 + 8, Math.min(...blocking.map((b) => b.y)));
  const bottom = Math.min(y2 - 8, Math.max(top, ...blocking.map((b) => b.y + b.h)));
  const k1 = (top - y1) / 2;
  const k2 = (y2 - bottom) / 2;
  return {
    d: `M${x1},${y1} C${x1},${y1 + k1} ${wx},${top - k1} ${wx},${top} L${wx},${bottom} C${wx},${bottom + k2} ${x2},${y2 - k2} ${x2},${y2}`,
    mid: { x: wx, y: (top + bottom) / 2 },
    right: wx + 4,
  };
}
