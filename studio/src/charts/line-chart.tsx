import { useState } from 'react';
import { Axes, frame, useChartWidth } from './axes';
import { extent, linearScale, PALETTE, tickLabel } from './scale';

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  /** Drawn thicker (e.g. the best trial). */
  highlight?: boolean;
}

/**
 * Lines over a shared x axis, drawn as SVG that scales to its container's width. A
 * legend names each series; hovering shows the nearest point's values.
 */
export function LineChart({ series, title, xLabel, yLabel, height = 240, markers = false }: { series: Series[]; title: string; xLabel?: string; yLabel?: string; height?: number; markers?: boolean }) {
  const [ref, width] = useChartWidth();
  const f = frame(width, height);
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(all.map((p) => p.y));
  const x = linearScale(x0, x1, f.left, width - f.right, { ticks: 6, integer: xs.every(Number.isInteger) });
  const y = linearScale(y0, y1, height - f.bottom, f.top, { ticks: 5 });
  const [hover, setHover] = useState<number | null>(null);
  const hoverX = hover === null ? null : x.domain[0] + ((hover - f.left) / (width - f.right - f.left)) * (x.domain[1] - x.domain[0]);
  return (
    <figure className="chart" ref={ref}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}: ${series.map((s) => `${s.name}, ${s.points.length} points${s.points.length ? `, last ${tickLabel(s.points[s.points.length - 1].y)}` : ''}`).join('; ')}`}
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          setHover(((e.clientX - box.left) / box.width) * width);
        }}
        onMouseLeave={() => setHover(null)}
      >
        <Axes f={f} x={x} y={y} xLabel={xLabel} yLabel={yLabel} />
        {series.map((s, i) => {
          const color = PALETTE[i % PALETTE.length];
          const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
          return (
            <g key={s.name}>
              <path d={d} fill="none" stroke={color} strokeWidth={s.highlight ? 3 : 1.75} strokeLinejoin="round" />
              {(markers || s.points.length === 1) && s.points.map((p, j) => <circle key={j} cx={x(p.x)} cy={y(p.y)} r={3} fill={color} />)}
            </g>
          );
        })}
        {hoverX !== null && hover! >= f.left && hover! <= width - f.right && (
          <g className="hover">
            <line x1={hover!} x2={hover!} y1={f.top} y2={height - f.bottom} className="crosshair" />
            {series.map((s, i) => {
              const p = nearest(s.points, hoverX);
              if (!p) return null;
              return (
                <g key={s.name}>
                  <circle cx={x(p.x)} cy={y(p.y)} r={4} fill={PALETTE[i % PALETTE.length]} />
                  <text x={Math.min(x(p.x) + 6, width - 150)} y={f.top + 12 + i * 14} className="tick hover-label">
                    {s.name}: {tickLabel(p.y)} @ {tickLabel(p.x)}
                  </text>
                </g>
              );
            })}
          </g>
        )}
      </svg>
      {series.length > 1 && <Legend names={series.map((s) => s.name)} />}
      <figcaption className="sr-only">{title}</figcaption>
    </figure>
  );
}

function nearest(points: { x: number; y: number }[], x: number) {
  let best: { x: number; y: number } | undefined;
  for (const p of points) if (!best || Math.abs(p.x - x) < Math.abs(best.x - x)) best = p;
  return best;
}

export function Legend({ names }: { names: string[] }) {
  return (
    <ul className="legend">
      {names.map((n, i) => (
        <li key={n}>
          <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
          {n}
        </li>
      ))}
    </ul>
  );
}
