import { Axes, frame, useChartWidth } from './axes';
import { Legend } from './line-chart';
import { linearScale, PALETTE, tickLabel } from './scale';

/**
 * Bars per category, one bar per series side by side (a single series is a plain bar
 * chart). At most 50 categories are drawn; labels show while there are 20 or fewer.
 */
export function GroupedBarChart({ categories, series, title, xLabel, yLabel, height = 240 }: { categories: string[]; series: { name: string; values: (number | null)[] }[]; title: string; xLabel?: string; yLabel?: string; height?: number }) {
  const [ref, width] = useChartWidth();
  const f = frame(width, height);
  const shown = categories.slice(0, 50);
  const values = series.flatMap((s) => s.values.slice(0, shown.length).filter((v): v is number => v !== null));
  const y = linearScale(Math.min(0, ...values), Math.max(0, ...values), height - f.bottom, f.top, { ticks: 5 });
  const band = (width - f.left - f.right) / Math.max(1, shown.length);
  const x = Object.assign((v: number) => f.left + v * band, { domain: [0, shown.length] as [number, number], ticks: [] as number[] });
  const bar = (band * 0.8) / Math.max(1, series.length);
  return (
    <figure className="chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${shown.length} bars${series.length > 1 ? ` in ${series.length} series` : ''}`}>
        <Axes f={f} x={x} y={y} xLabel={xLabel} yLabel={yLabel} />
        {shown.map((label, i) => (
          <g key={i}>
            {series.map((s, k) => {
              const v = s.values[i];
              if (v === null || v === undefined) return null;
              return (
                <rect key={k} x={x(i) + band * 0.1 + k * bar} width={Math.max(0.5, bar)} y={y(Math.max(0, v))} height={Math.abs(y(v) - y(0))} fill={PALETTE[k % PALETTE.length]}>
                  <title>{`${series.length > 1 ? `${s.name}, ` : ''}${label}: ${tickLabel(v)}`}</title>
                </rect>
              );
            })}
            {shown.length <= 20 && (
              <text x={x(i) + band / 2} y={height - f.bottom + 14} textAnchor="middle" className="tick">
                {label.length > 10 ? `${label.slice(0, 9)}…` : label}
              </text>
            )}
          </g>
        ))}
      </svg>
      {series.length > 1 && <Legend names={series.map((s) => s.name)} />}
    </figure>
  );
}
