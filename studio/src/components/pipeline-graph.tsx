import { useMemo, type KeyboardEvent } from 'react';
import type { ExecutionStep } from '../api/client';
import { edgePath, layoutGraph, type Box, type EdgeRoute } from './pipeline-graph-layout';
import { ancestors, graphOf, nodeStates, type EdgeKind, type GraphEdge, type NodeState } from './pipeline-graph-model';

/** Fill and stroke per step status (the badges' tones). */
export const STEP_COLOURS: Record<string, { fill: string; stroke: string }> = {
  Pending: { fill: '#f6f7f6', stroke: '#b8c0ba' },
  Starting: { fill: '#dde9f7', stroke: '#0b5cad' },
  Executing: { fill: '#dde9f7', stroke: '#0b5cad' },
  Retrying: { fill: '#dde9f7', stroke: '#0b5cad' },
  Waiting: { fill: '#fbefd5', stroke: '#8a5a00' },
  Succeeded: { fill: '#dcf0e2', stroke: '#2f7d4f' },
  Failed: { fill: '#fbe0dd', stroke: '#b3261e' },
  Skipped: { fill: '#eceeed', stroke: '#98a29c' },
  Stopped: { fill: '#eceeed', stroke: '#5d6761' },
};

const EDGE_STYLE: Record<EdgeKind, { stroke: string; dash?: string; label?: string }> = {
  ref: { stroke: '#7d8a82' },
  next: { stroke: '#7d8a82' },
  depends: { stroke: '#7d8a82', dash: '5 4' },
  then: { stroke: '#2f7d4f', label: 'then' },
  else: { stroke: '#b3261e', label: 'else' },
  catch: { stroke: '#8a5a00', dash: '2 3', label: 'catch' },
};

const MARGIN = 12;

export interface PipelineGraphProps {
  definition: unknown;
  /** The selected execution's steps (none: every step is Pending). */
  steps?: readonly ExecutionStep[];
  selected?: string | null;
  onSelect?: (step: string) => void;
}

/**
 * A pipeline's steps as an SVG drawing, laid out in layers, each step coloured by its
 * status in the execution shown. Parallel and for-each steps are boxes around their
 * bodies. A step is a button: it selects the step (Enter or Space from the keyboard).
 */
export function PipelineGraph({ definition, steps, selected, onSelect }: PipelineGraphProps) {
  const graph = useMemo(() => graphOf(definition), [definition]);
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const states = useMemo(() => nodeStates(graph, steps), [graph, steps]);
  const routes = useMemo(() => {
    const all = [...layout.boxes.values()];
    return graph.edges.flatMap((e) => {
      const from = layout.boxes.get(e.from);
      const to = layout.boxes.get(e.to);
      if (!from || !to) return [];
      const holders = new Set([...ancestors(graph.nodes, e.from), ...ancestors(graph.nodes, e.to)]);
      return [{ edge: e, route: edgePath(from, to, all.filter((b) => !holders.has(b.name))) }];
    });
  }, [graph, layout]);
  if (graph.order.length === 0) return <p className="muted">This definition has no steps.</p>;
  const w = Math.max(layout.width, ...routes.map((r) => r.route.right)) + 2 * MARGIN;
  const h = layout.height + 2 * MARGIN;
  // Containers first, so their bodies and the edges draw over them.
  const boxes = [...layout.boxes.values()].sort((a, b) => Number(b.container) - Number(a.container) || depth(graph, a.name) - depth(graph, b.name));
  const summary = graph.order.map((n) => `${n}: ${states.get(n)?.status ?? 'Pending'}`).join(', ');
  return (
    <div className="table-wrap pipeline-graph">
      <svg width={w} height={h} viewBox={`${-MARGIN} ${-MARGIN} ${w} ${h}`} role="group" aria-label={`Pipeline graph: ${summary}`} fontFamily="inherit">
        <defs>
          {Object.entries(EDGE_STYLE).map(([kind, s]) => (
            <marker key={kind} id={`arrow-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill={s.stroke} />
            </marker>
          ))}
        </defs>
        {boxes.filter((b) => b.container).map((b) => (
          <Node key={b.name} box={b} type={graph.nodes.get(b.name)!.type} state={states.get(b.name)} selected={selected === b.name} onSelect={onSelect} />
        ))}
        <Edges routes={routes} />
        {boxes.filter((b) => !b.container).map((b) => (
          <Node key={b.name} box={b} type={graph.nodes.get(b.name)!.type} state={states.get(b.name)} selected={selected === b.name} onSelect={onSelect} />
        ))}
      </svg>
      <Legend />
    </div>
  );
}

function Edges({ routes }: { routes: Array<{ edge: GraphEdge; route: EdgeRoute }> }) {
  return (
    <>
      {routes.map(({ edge: e, route }) => {
        const s = EDGE_STYLE[e.kind];
        return (
          <g key={`${e.from}->${e.to}`} data-edge={`${e.from}->${e.to}`} data-kind={e.kind}>
            <path d={route.d} fill="none" stroke={s.stroke} strokeWidth={1.5} strokeDasharray={s.dash} markerEnd={`url(#arrow-${e.kind})`} />
            {s.label && (
              <text x={route.mid.x} y={route.mid.y} textAnchor="middle" dominantBaseline="middle" fontSize={11} fill={s.stroke} stroke="#fff" strokeWidth={3} paintOrder="stroke">
                {s.label}
              </text>
            )}
          </g>
        );
      })}
    </>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-hidden="true">
      {['Pending', 'Executing', 'Waiting', 'Succeeded', 'Failed', 'Skipped'].map((s) => (
        <li key={s}>
          <span className="swatch" style={{ background: STEP_COLOURS[s].fill, border: `1px solid ${STEP_COLOURS[s].stroke}` }} />
          {s}
        </li>
      ))}
    </ul>
  );
}

function depth(graph: ReturnType<typeof graphOf>, name: string): number {
  let d = 0;
  for (let p = graph.nodes.get(name)?.parent ?? null; p !== null && d < 100; p = graph.nodes.get(p)?.parent ?? null) d++;
  return d;
}

function Node({ box, type, state, selected, onSelect }: { box: Box; type: string; state?: NodeState; selected: boolean; onSelect?: (step: string) => void }) {
  const status = state?.status ?? 'Pending';
  const colour = STEP_COLOURS[status] ?? STEP_COLOURS.Pending;
  const iterations = state && state.rows.length > 1 ? ` · ${state.rows.length} iterations` : '';
  const attempts = state?.rows.length === 1 && state.rows[0].attempts > 1 ? ` · attempt ${state.rows[0].attempts}` : '';
  const select = () => onSelect?.(box.name);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select();
    }
  };
  return (
    <g
      className="pipeline-node"
      data-step={box.name}
      data-type={type}
      data-status={status}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${box.name} (${type}): ${status}${iterations}`}
      onClick={(e) => {
        e.stopPropagation();
        select();
      }}
      onKeyDown={onKey}
      cursor="pointer"
    >
      <rect
        x={box.x}
        y={box.y}
        width={box.w}
        height={box.h}
        rx={box.container ? 10 : 7}
        fill={box.container ? '#fbfcfb' : colour.fill}
        stroke={colour.stroke}
        strokeWidth={selected ? 3 : 1.5}
        strokeDasharray={box.container || status === 'Skipped' ? '6 4' : undefined}
      />
      {box.container && <rect x={box.x} y={box.y} width={box.w} height={22} rx={10} fill={colour.fill} opacity={0.9} />}
      {box.container ? (
        <text x={box.x + 10} y={box.y + 16} fontSize={12} fill="#1d2320">
          <tspan fontWeight={600}>{clip(box.name, Math.floor((box.w - 20) / 7.5))}</tspan>
          <tspan fill="#5d6761">{clip(` · ${type} · ${status}${iterations}`, Math.max(0, Math.floor((box.w - 20 - box.name.length * 7.5) / 6)))}</tspan>
        </text>
      ) : (
        <>
          <text x={box.x + 10} y={box.y + 18} fontSize={13} fontWeight={600} fill="#1d2320">
            {clip(box.name, Math.floor((box.w - 20) / 7.5))}
          </text>
          <text x={box.x + 10} y={box.y + 35} fontSize={11} fill="#5d6761">
            {clip(`${type} · ${status}${iterations}${attempts}`, Math.floor((box.w - 20) / 6))}
          </text>
        </>
      )}
      <title>{`${box.name} (${type}): ${status}${iterations}${attempts}`}</title>
    </g>
  );
}

const clip = (s: string, n: number) => (n <= 1 ? '' : s.length > n ? `${s.slice(0, n - 1)}…` : s);
