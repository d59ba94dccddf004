import { tickLabel } from './scale';

/** Groups digits of a number for display (1234567.5 → "1,234,567.5"); very large or small numbers in exponent form. */
export function formatKpi(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e15 || abs < 1e-3)) return tickLabel(value);
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: abs >= 100 ? 0 : 2 }).format(value);
}

/** One number with its caption, drawn as SVG so it exports to PNG like any chart. */
export function Kpi({ value, label, title, height = 120 }: { value: number | null; label: string; title: string; height?: number }) {
  const text = value === null ? '–' : formatKpi(value);
  return (
    <figure className="chart kpi">
      <svg viewBox={`0 0 320 ${height}`} role="img" aria-label={`${title}: ${label} ${text}`}>
        <text x={160} y={height * 0.52} textAnchor="middle" className="kpi-value" fontSize={44} fontWeight={700} fill="#1d2320">
          {text}
        </text>
        <text x={160} y={height * 0.52 + 30} textAnchor="middle" className="kpi-label" fontSize={14} fill="#5d6761">
          {label}
        </text>
      </svg>
    </figure>
  );
}
