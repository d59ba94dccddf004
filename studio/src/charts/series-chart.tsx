import { Axes, frame, useChartWidth } from './axes';
import { Legend } from './line-chart';
import { extent, linearScale, PALETTE, tickLabel } from './scale';

/** How the x values read: numbers, instants (epoch ms) or categories (their index). */
export type XKind = 'number' | 'time' | 'category';

export interface XYSeries {
  name: string;
  points: { x: number; y: number }[];
}

const DAY_MS = 86_400_000;

/** Tick text for an x value of the given kind. */
export function xTick(kind: XKind, categories: readonly string[], span: number): (v: number) => string {
  if (kind === 'time') return (v) => (span >= 2 * DAY_MS ? new Date(v).toISOString().slice(0, 10) : new Date(v).toISOString().slice(5, 16).replace('T', ' '));
  if (kind === 'category') return (v) => (Number.isInteger(v) && categories[v] !== undefined ? (categories[v].length > 12 ? `${categories[v].slice(0, 11)}…` : categories[v]) : '');
  return tickLabel;
}

/**
 * Lines, or filled areas, over an x axis of numbers, instants or categories: what a
 * dashboard's line and area charts draw. Areas are drawn from zero, translucent, so
 * overlapping series stay readable; each point carries its values as a tooltip.
 */
export function SeriesChart({
  series,
  title,
  xKind,
  categories = [],
  xLabel,
  yLabel,
  area = false,
  height = 240,
}: {
  series: XYSeries[];
  title: string;
  xKind: XKind;
  categories?: readonly string[];
  xLabel?: string;
  yLabel?: string;
  area?: boolean;
  height?: number;
}) {
  const [ref, width] = useChartWidth();
  const f = frame(width, height);
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = extent(all.map((p) => p.x));
  const [ylo, yhi] = extent(all.map((p) => p.y));
  const x = linearScale(x0, x1, f.left, width - f.right, { ticks: 6, integer: xKind === 'category', nice: xKind !== 'time' });
  const y = linearScale(area ? Math.min(0, ylo) : ylo, area ? Math.max(0, yhi) : yhi, height - f.bottom, f.top, { ticks: 5 });
  const fmt = xTick(xKind, categories, x1 - x0);
  if (xKind === 'time') x.ticks = x.ticks.filter((t) => t >= x0 && t <= x1);
  const base = y(Math.max(y.domain[0], Math.min(0, y.domain[1])));
  return (
    <figure className="chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${series.map((s) => `${s.name}, ${s.points.length} points`).join('; ')}`}>
        <Axes f={f} x={x} y={y} xLabel={xLabel} yLabel={yLabel} xTickFormat={fmt} />
        {series.map((s, i) => {
          const color = PALETTE[i % PALETTE.length];
          const pts = [...s.points].sort((a, b) => a.x - b.x);
          const line = pts.map((p, j) => `${j ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
          const fill = pts.length ? `${line}L${x(pts[pts.length - 1].x).toFixed(1)},${base.toFixed(1)}L${x(pts[0].x).toFixed(1)},${base.toFixed(1)}Z` : '';
          return (
            <g key={s.name}>
              {area && <path d={fill} fill={color} fillOpacity={0.25} stroke="none" />}
              <path d={line} fill="none" stroke={color} strokeWidth={1.75} strokeLinejoin="round" />
              {pts.map((p, j) => (
                <circle key={j} cx={x(p.x)} cy={y(p.y)} r={pts.length > 60 ? 0 : 2.5} fill={color}>
                  <title>{`${s.name}: ${fmt(p.x) || tickLabel(p.x)}, ${tickLabel(p.y)}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && <Legend names={series.map((s) => s.name)} />}
      <figcaption className="sr-only">{title}</figcaption>
    </figure>
  );
}
