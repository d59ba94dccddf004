import { Axes, frame, useChartWidth } from './axes';
import { extent, linearScale, PALETTE, tickLabel } from './scale';

export interface ScatterPoint {
  x: number;
  y: number;
  label?: string;
  highlight?: boolean;
}

/** Points on two numeric axes (hyperparameter against objective, column against column). */
export function ScatterChart({ points, title, xLabel, yLabel, height = 260 }: { points: ScatterPoint[]; title: string; xLabel?: string; yLabel?: string; height?: number }) {
  const [ref, width] = useChartWidth();
  const f = frame(width, height);
  const xs = points.map((p) => p.x);
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(points.map((p) => p.y));
  const x = linearScale(x0, x1, f.left, width - f.right, { ticks: 6, integer: xs.every(Number.isInteger) });
  const y = linearScale(y0, y1, height - f.bottom, f.top, { ticks: 5 });
  return (
    <figure className="chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${points.length} points`}>
        <Axes f={f} x={x} y={y} xLabel={xLabel} yLabel={yLabel} />
        {points.map((p, i) => (
          <circle key={i} cx={x(p.x)} cy={y(p.y)} r={p.highlight ? 6 : 4} fill={p.highlight ? PALETTE[5] : PALETTE[0]} fillOpacity={0.75} stroke={p.highlight ? '#000' : 'none'}>
            <title>{`${p.label ? `${p.label}: ` : ''}${tickLabel(p.x)}, ${tickLabel(p.y)}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
