import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { tickLabel, type Scale } from './scale';

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const frame = (width: number, height: number): Frame => ({ width, height, left: 56, right: 16, top: 12, bottom: 40 });

/** Grid lines, tick labels and axis titles for an x/y chart. */
export function Axes({ f, x, y, xLabel, yLabel, xTickFormat }: { f: Frame; x: Scale; y: Scale; xLabel?: string; yLabel?: string; xTickFormat?: (v: number) => string }) {
  const fmt = xTickFormat ?? tickLabel;
  return (
    <g className="axes" aria-hidden="true">
      {y.ticks.map((t) => (
        <g key={`y${t}`}>
          <line x1={f.left} x2={f.width - f.right} y1={y(t)} y2={y(t)} className="grid" />
          <text x={f.left - 6} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
            {tickLabel(t)}
          </text>
        </g>
      ))}
      {x.ticks.map((t) => (
        <text key={`x${t}`} x={x(t)} y={f.height - f.bottom + 16} textAnchor="middle" className="tick">
          {fmt(t)}
        </text>
      ))}
      <line x1={f.left} x2={f.width - f.right} y1={f.height - f.bottom} y2={f.height - f.bottom} className="axis" />
      {xLabel && (
        <text x={(f.left + f.width - f.right) / 2} y={f.height - 4} textAnchor="middle" className="axis-title">
          {xLabel}
        </text>
      )}
      {yLabel && (
        <text transform={`translate(12 ${(f.top + f.height - f.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-title">
          {yLabel}
        </text>
      )}
    </g>
  );
}

/**
 * The chart's width in CSS pixels, followed as its container resizes, so the SVG is
 * drawn at 1:1 and its labels keep their size on a phone as on a desktop.
 */
export function useChartWidth(fallback = 640): [RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.round(el.getBoundingClientRect().width);
      if (w > 0) setWidth(Math.max(280, w));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
