import { Axes, frame, useChartWidth } from '../charts/axes';
import { extent, linearScale, PALETTE, tickLabel } from '../charts/scale';
import { xTick } from '../charts/series-chart';

export interface Point {
  x: number;
  y: number;
}

/** The forecast types to draw: the middle line and the outer band, picked from the columns a forecast has. */
export interface ForecastLines {
  /** The median (`p50`), or the mean when no quantile is near the middle. */
  median?: { name: string; points: Point[] };
  /** The outermost quantiles asked (`p10`–`p90`), when there are two or more. */
  band?: { lower: string; upper: string; points: { x: number; lo: number; hi: number }[] };
  mean?: { name: string; points: Point[] };
}

const LEVEL = /^p(\d+(?:\.\d+)?)$/;

/** Chooses the median line and the widest band from a QueryForecast answer's columns. */
export function forecastLines(types: readonly string[], times: readonly number[], column: (name: string) => readonly number[] | undefined): ForecastLines {
  const levels = types
    .map((t) => ({ t, level: LEVEL.test(t) ? Number(LEVEL.exec(t)![1]) : NaN }))
    .filter((l) => Number.isFinite(l.level))
    .sort((a, b) => a.level - b.level);
  const points = (name: string): Point[] => {
    const values = column(name) ?? [];
    return times.map((x, i) => ({ x, y: values[i] })).filter((p) => Number.isFinite(p.y));
  };
  const out: ForecastLines = {};
  if (types.includes('mean')) out.mean = { name: 'mean', points: points('mean') };
  const middle = levels.find((l) => l.level === 50) ?? levels[Math.floor(levels.length / 2)];
  if (middle) out.median = { name: middle.t, points: points(middle.t) };
  else if (out.mean) out.median = out.mean;
  if (levels.length >= 2) {
    const lower = levels[0].t;
    const upper = levels[levels.length - 1].t;
    const lo = column(lower) ?? [];
    const hi = column(upper) ?? [];
    out.band = { lower, upper, points: times.map((x, i) => ({ x, lo: lo[i], hi: hi[i] })).filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi)) };
  }
  return out;
}

const path = (pts: readonly Point[], x: (v: number) => number, y: (v: number) => number) => pts.map((p, j) => `${j ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');

/**
 * One item's history and forecast on a time axis: the history line, the quantile band
 * (filled between the outer quantiles), the median and, when asked, the mean; a rule
 * marks where the forecast starts. The SVG carries what it drew as data attributes.
 */
export function ForecastChart({ item, history, lines, title, height = 300 }: { item: string; history: readonly Point[]; lines: ForecastLines; title: string; height?: number }) {
  const [ref, width] = useChartWidth();
  const f = frame(width, height);
  const xs = [...history.map((p) => p.x), ...(lines.median?.points.map((p) => p.x) ?? []), ...(lines.band?.points.map((p) => p.x) ?? [])];
  const ys = [
    ...history.map((p) => p.y),
    ...(lines.median?.points.map((p) => p.y) ?? []),
    ...(lines.mean?.points.map((p) => p.y) ?? []),
    ...(lines.band?.points.flatMap((p) => [p.lo, p.hi]) ?? []),
  ];
  const [x0, x1] = extent(xs);
  const [ylo, yhi] = extent(ys);
  const x = linearScale(x0, x1, f.left, width - f.right, { ticks: 6, nice: false });
  x.ticks = x.ticks.filter((t) => t >= x0 && t <= x1);
  const y = linearScale(ylo, yhi, height - f.bottom, f.top, { ticks: 5 });
  const fmt = xTick('time', [], x1 - x0);
  const band = lines.band;
  const bandPath =
    band && band.points.length
      ? `${band.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.hi).toFixed(1)}`).join('')}${[...band.points]
          .reverse()
          .map((p) => `L${x(p.x).toFixed(1)},${y(p.lo).toFixed(1)}`)
          .join('')}Z`
      : '';
  const start = lines.median?.points[0]?.x ?? band?.points[0]?.x;
  const legend = [
    { name: 'history', color: PALETTE[7] },
    ...(band ? [{ name: `${band.lower}–${band.upper}`, color: PALETTE[0], band: true }] : []),
    ...(lines.median ? [{ name: lines.median.name, color: PALETTE[0] }] : []),
    ...(lines.mean && lines.mean !== lines.median ? [{ name: 'mean', color: PALETTE[1] }] : []),
  ];
  const label = `${title}: history, ${history.length} points; forecast ${lines.median?.name ?? ''}, ${lines.median?.points.length ?? 0} steps${band ? `; band ${band.lower}–${band.upper}` : ''}`;
  return (
    <figure className="chart forecast-chart" ref={ref}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={label}
        data-item={item}
        data-history-points={history.length}
        data-forecast-points={lines.median?.points.length ?? 0}
        data-band={band ? `${band.lower}-${band.upper}` : ''}
      >
        <Axes f={f} x={x} y={y} xTickFormat={fmt} />
        {bandPath && <path className="forecast-band" d={bandPath} fill={PALETTE[0]} fillOpacity={0.18} stroke="none" />}
        {start !== undefined && <line className="forecast-start" x1={x(start)} x2={x(start)} y1={f.top} y2={height - f.bottom} stroke="#9aa39d" strokeDasharray="4 3" />}
        {history.length > 0 && <path className="forecast-history" d={path(history, x, y)} fill="none" stroke={PALETTE[7]} strokeWidth={1.5} strokeLinejoin="round" />}
        {lines.mean && lines.mean !== lines.median && <path className="forecast-mean" d={path(lines.mean.points, x, y)} fill="none" stroke={PALETTE[1]} strokeWidth={1.5} strokeDasharray="5 3" />}
        {lines.median && (
          <g className="forecast-median">
            <path d={path(lines.median.points, x, y)} fill="none" stroke={PALETTE[0]} strokeWidth={2} strokeLinejoin="round" />
            {lines.median.points.map((p, j) => (
              <circle key={j} cx={x(p.x)} cy={y(p.y)} r={lines.median!.points.length > 60 ? 0 : 2} fill={PALETTE[0]}>
                <title>{`${fmt(p.x)}: ${lines.median!.name} ${tickLabel(p.y)}${band?.points[j] ? `, ${band.lower} ${tickLabel(band.points[j].lo)}, ${band.upper} ${tickLabel(band.points[j].hi)}` : ''}`}</title>
              </circle>
            ))}
          </g>
        )}
      </svg>
      <ul className="legend">
        {legend.map((l) => (
          <li key={l.name}>
            <span className="swatch" style={{ background: l.color, opacity: 'band' in l ? 0.35 : 1 }} />
            {l.name}
          </li>
        ))}
      </ul>
      <figcaption className="sr-only">{title}</figcaption>
    </figure>
  );
}
