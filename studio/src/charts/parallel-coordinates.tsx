import { extent, linearScale, PALETTE, tickLabel } from './scale';
import { Legend } from './line-chart';

export interface PcAxis {
  name: string;
  /** One value per line; numbers get a linear axis, anything else a categorical one. */
  values: Array<number | string | null>;
}

/**
 * Parallel coordinates: one vertical axis per parameter or metric, one polyline per run,
 * so runs that share a pattern (high depth and low loss) show as bundles.
 */
export function ParallelCoordinates({ axes, lines, title, height = 300 }: { axes: PcAxis[]; lines: string[]; title: string; height?: number }) {
  // Wide enough that labels read at about their size in a full-width card.
  const width = Math.max(900, axes.length * 110);
  const top = 28;
  const bottom = height - 24;
  const left = 60;
  const right = width - 60;
  const step = axes.length > 1 ? (right - left) / (axes.length - 1) : 0;
  const scales = axes.map((axis) => {
    const numeric = axis.values.every((v) => v === null || typeof v === 'number');
    if (numeric) {
      const [lo, hi] = extent(axis.values.filter((v): v is number => typeof v === 'number'));
      const s = linearScale(lo, hi, bottom, top, { ticks: 4 });
      return { pos: (v: number | string | null) => (typeof v === 'number' ? s(v) : null), ticks: s.ticks.map((t) => ({ at: s(t), label: tickLabel(t) })) };
    }
    const cats = [...new Set(axis.values.filter((v) => v !== null).map(String))].sort();
    const at = (i: number) => (cats.length === 1 ? (top + bottom) / 2 : bottom - (i * (bottom - top)) / (cats.length - 1));
    return { pos: (v: number | string | null) => (v === null ? null : at(cats.indexOf(String(v)))), ticks: cats.map((c, i) => ({ at: at(i), label: c.length > 10 ? `${c.slice(0, 9)}…` : c })) };
  });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${lines.length} runs across ${axes.map((a) => a.name).join(', ')}`}>
        {axes.map((axis, i) => (
          <g key={axis.name} className="axes">
            <line x1={left + i * step} x2={left + i * step} y1={top} y2={bottom} className="axis" />
            <text x={left + i * step} y={top - 12} textAnchor="middle" className="axis-title">
              {axis.name}
            </text>
            {scales[i].ticks.map((t) => (
              <text key={t.label + t.at} x={left + i * step - 5} y={t.at} dy="0.32em" textAnchor="end" className="tick">
                {t.label}
              </text>
            ))}
          </g>
        ))}
        {lines.map((name, li) => {
          const pts = axes.map((_, i) => [left + i * step, scales[i].pos(axes[i].values[li])] as const).filter((p) => p[1] !== null);
          return (
            <polyline key={name} points={pts.map(([x, y]) => `${x},${y}`).join(' ')} fill="none" stroke={PALETTE[li % PALETTE.length]} strokeWidth={2} strokeOpacity={0.85}>
              <title>{name}</title>
            </polyline>
          );
        })}
      </svg>
      <Legend names={lines} />
    </figure>
  );
}
