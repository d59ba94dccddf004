import { PALETTE } from './scale';

/**
 * Horizontal bars, one row per label, so long column names stay readable (importance,
 * missing values, correlations). Negative values draw leftwards from a zero line.
 */
export function HorizontalBarChart({ bars, title, format, max: maxOf }: { bars: { label: string; value: number }[]; title: string; format: (v: number) => string; max?: number }) {
  const rowHeight = 22;
  const labelWidth = 180;
  const width = 640;
  const valueWidth = 70;
  const negative = bars.some((b) => b.value < 0);
  const max = maxOf ?? Math.max(1e-12, ...bars.map((b) => Math.abs(b.value)));
  const span = width - labelWidth - valueWidth;
  // With negative values the zero line sits in the middle of the bar area.
  const zero = labelWidth + (negative ? span / 2 : 0);
  const scale = (negative ? span / 2 : span) / max;
  const height = bars.length * rowHeight + 4;
  if (bars.length === 0) return null;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}`}>
        {negative && <line x1={zero} x2={zero} y1={0} y2={height} stroke="currentColor" strokeOpacity={0.3} />}
        {bars.map((b, i) => {
          const w = Math.max(1, Math.abs(b.value) * scale);
          const x = b.value < 0 ? zero - w : zero;
          return (
            <g key={`${b.label}-${i}`} transform={`translate(0 ${i * rowHeight})`}>
              <text x={labelWidth - 8} y={rowHeight / 2 + 2} textAnchor="end" className="tick" dy="0.32em">
                {b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label}
              </text>
              <rect x={x} y={4} width={w} height={rowHeight - 8} fill={PALETTE[b.value < 0 ? 1 : 0]}>
                <title>{`${b.label}: ${format(b.value)}`}</title>
              </rect>
              <text x={(b.value < 0 ? zero : x + w) + 6} y={rowHeight / 2 + 2} className="tick" dy="0.32em">
                {format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
