import { Axes, frame, useChartWidth } from './axes';
import { linearScale, PALETTE, tickLabel } from './scale';

/** A histogram: contiguous bins over a numeric range. */
export function Histogram({ bins, title, height = 120, compact = false }: { bins: { lower: number; upper: number; count: number }[]; title: string; height?: number; compact?: boolean }) {
  if (bins.length === 0) return null;
  const width = compact ? 240 : 640;
  const f = compact ? { width, height, left: 4, right: 4, top: 4, bottom: 4 } : frame(width, height);
  const x = linearScale(bins[0].lower, bins[bins.length - 1].upper, f.left, width - f.right, { nice: false, ticks: 4 });
  const y = linearScale(0, Math.max(...bins.map((b) => b.count)), height - f.bottom, f.top, { ticks: 3 });
  return (
    <svg className={`chart histogram${compact ? ' compact' : ''}`} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${bins.length} bins from ${tickLabel(bins[0].lower)} to ${tickLabel(bins[bins.length - 1].upper)}`}>
      {!compact && <Axes f={f} x={x} y={y} />}
      {bins.map((b, i) => (
        <rect key={i} x={x(b.lower) + 0.5} width={Math.max(0.5, x(b.upper) - x(b.lower) - 1)} y={y(b.count)} height={Math.max(0, height - f.bottom - y(b.count))} fill={PALETTE[0]}>
          <title>{`${tickLabel(b.lower)} – ${tickLabel(b.upper)}: ${b.count}`}</title>
        </rect>
      ))}
    </svg>
  );
}

/** Bars for categories (e.g. a query's text column against a number). */
export function BarChart({ bars, title, xLabel, yLabel, height = 240 }: { bars: { label: string; value: number }[]; title: string; xLabel?: string; yLabel?: string; height?: number }) {
  const [ref, width] = useChartWidth();
  const f = frame(width, height);
  const shown = bars.slice(0, 50);
  const lo = Math.min(0, ...shown.map((b) => b.value));
  const hi = Math.max(0, ...shown.map((b) => b.value));
  const y = linearScale(lo, hi, height - f.bottom, f.top, { ticks: 5 });
  const band = (width - f.left - f.right) / Math.max(1, shown.length);
  const x = Object.assign((v: number) => f.left + v * band, { domain: [0, shown.length] as [number, number], ticks: [] as number[] });
  return (
    <figure className="chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${shown.length} bars`}>
        <Axes f={f} x={x} y={y} xLabel={xLabel} yLabel={yLabel} />
        {shown.map((b, i) => (
          <g key={i}>
            <rect x={x(i) + band * 0.1} width={band * 0.8} y={y(Math.max(0, b.value))} height={Math.abs(y(b.value) - y(0))} fill={PALETTE[0]}>
              <title>{`${b.label}: ${tickLabel(b.value)}`}</title>
            </rect>
            {shown.length <= 20 && (
              <text x={x(i) + band / 2} y={height - f.bottom + 14} textAnchor="middle" className="tick">
                {b.label.length > 10 ? `${b.label.slice(0, 9)}…` : b.label}
              </text>
            )}
          </g>
        ))}
      </svg>
    </figure>
  );
}
