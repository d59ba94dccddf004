/** A point in pixel coordinates: x to the right, y down; pixel (px, py) covers [px, px+1) × [py, py+1). */
export interface Point {
  x: number;
  y: number;
}

/**
 * Scanline fill of one polygon into `out` (row-major, `width` × `height`): a pixel takes
 * `value` when its centre (px + 0.5, py + 0.5) is inside the polygon by the even-odd
 * rule. Edges crossing a scanline are counted half-open in y, so a vertex on the line is
 * counted once.
 */
export function fillPolygon(vertices: readonly Point[], width: number, height: number, out: Uint8Array, value: number): void {
  let minY = Infinity;
  let maxY = -Infinity;
  for (const v of vertices) {
    if (v.y < minY) minY = v.y;
    if (v.y > maxY) maxY = v.y;
  }
  const y0 = Math.max(0, Math.floor(minY - 0.5));
  const y1 = Math.min(height - 1, Math.ceil(maxY));
  const xs: number[] = [];
  const n = vertices.length;
  for (let py = y0; py <= y1; py++) {
    const yc = py + 0.5;
    xs.length = 0;
    for (let e = 0; e < n; e++) {
      const p = vertices[e];
      const q = vertices[(e + 1) % n];
      if (p.y <= yc !== q.y <= yc) xs.push(p.x + ((yc - p.y) * (q.x - p.x)) / (q.y - p.y));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Pixels whose centre px + 0.5 lies in [xs[k], xs[k+1]).
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      out.fill(value, py * width + from, to >= from ? py * width + to + 1 : py * width + from);
    }
  }
}

/** One closed outline of a region, along pixel edges. */
export interface Outline {
  vertices: Point[];
  /** True for the outline of a hole inside the region. */
  hole: boolean;
}

/**
 * The outlines of the pixels where `mask === value`, traced along pixel edges (crack
 * following): every edge between a region pixel and a non-region pixel (or the image
 * border) is directed with the region on one side, and the edges are linked into closed
 * loops; collinear vertices are dropped. Filling all the loops with {@link fillPolygon}
 * (even-odd) gives back exactly the region, holes included.
 */
export function traceOutlines(mask: Uint8Array, width: number, height: number, value: number): Outline[] {
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === value;
  const W1 = width + 1;
  const vid = (x: number, y: number): number => y * W1 + x;
  // Outgoing edges per vertex: the end vertex of each.
  const out = new Map<number, number[]>();
  const add = (x0: number, y0: number, x1: number, y1: number): void => {
    const k = vid(x0, y0);
    const list = out.get(k);
    if (list) list.push(vid(x1, y1));
    else out.set(k, [vid(x1, y1)]);
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] !== value) continue;
      if (!inside(x, y - 1)) add(x + 1, y, x, y);
      if (!inside(x - 1, y)) add(x, y, x, y + 1);
      if (!inside(x, y + 1)) add(x, y + 1, x + 1, y + 1);
      if (!inside(x + 1, y)) add(x + 1, y + 1, x + 1, y);
    }

  const outlines: Outline[] = [];
  const starts = [...out.keys()].sort((a, b) => a - b);
  for (const start of starts) {
    while ((out.get(start)?.length ?? 0) > 0) {
      const loop: number[] = [start];
      let prev = start;
      let cur = takeEdge(out, start, -1, W1);
      while (cur !== start) {
        loop.push(cur);
        const next = takeEdge(out, cur, prev, W1);
        prev = cur;
        cur = next;
      }
      outlines.push(simplify(loop.map((v) => ({ x: v % W1, y: Math.floor(v / W1) }))));
    }
  }
  return outlines;
}

/**
 * Takes one outgoing edge of `from`. Where two leave one vertex (regions touching only
 * at a corner), the one that turns left of the incoming direction is taken, so the
 * corner-touching regions stay separate loops.
 */
function takeEdge(out: Map<number, number[]>, from: number, prev: number, W1: number): number {
  const list = out.get(from)!;
  let pick = 0;
  if (list.length > 1 && prev >= 0) {
    const dx = (from % W1) - (prev % W1);
    const dy = Math.floor(from / W1) - Math.floor(prev / W1);
    for (let i = 0; i < list.length; i++) {
      const ex = (list[i] % W1) - (from % W1);
      const ey = Math.floor(list[i] / W1) - Math.floor(from / W1);
      // Cross product < 0: a left turn with y pointing down.
      if (dx * ey - dy * ex < 0) pick = i;
    }
  }
  const [to] = list.splice(pick, 1);
  return to;
}

function simplify(points: Point[]): Outline {
  const n = points.length;
  const kept: Point[] = [];
  for (let i = 0; i < n; i++) {
    const a = points[(i + n - 1) % n];
    const b = points[i];
    const c = points[(i + 1) % n];
    if ((b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x) !== 0) kept.push(b);
  }
  let twiceArea = 0;
  for (let i = 0; i < kept.length; i++) {
    const p = kept[i];
    const q = kept[(i + 1) % kept.length];
    twiceArea += p.x * q.y - q.x * p.y;
  }
  // Outer outlines run with negative shoelace area in these coordinates, holes positive.
  return { vertices: kept, hole: twiceArea > 0 };
}
