import { useRef, useState, type PointerEvent } from 'react';
import { imagePoint, labelColor, labelIndexOfKey, LabelPicker, prefilled, useKeys, type TaskViewProps } from './labeling-kit';
import { ZoomStage } from './labeling-zoom-stage';

interface Polygon {
  label: number;
  vertices: { x: number; y: number }[];
}

/**
 * Polygons (semantic segmentation): click to place points, Enter closes the polygon
 * (three points at least) with the current label; Backspace takes back the last point,
 * Escape drops the open polygon. With none open: click a polygon to select it, a number
 * key relabels it, Delete removes it, and Enter answers. An adjustment task starts with
 * the existing polygons drawn.
 */
export function PolygonTask({ task, imageUrl, onSubmit }: TaskViewProps) {
  const size = task.image ?? { width: 1, height: 1 };
  const svg = useRef<SVGSVGElement>(null);
  const [polygons, setPolygons] = useState<Polygon[]>(() => prefilled<Polygon & { label: string }>(task, 'polygons'));
  const [open, setOpen] = useState<{ x: number; y: number }[] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [current, setCurrent] = useState(0);

  const label = (i: number) => {
    if (selected !== null && !open) setPolygons((ps) => ps.map((p, k) => (k === selected ? { ...p, label: i } : p)));
    setCurrent(i);
  };
  useKeys((e) => {
    const i = labelIndexOfKey(e.key, task.labels.length);
    if (i !== null) return label(i), true;
    if (e.key === 'Enter') {
      if (open) {
        if (open.length >= 3) {
          setPolygons((ps) => [...ps, { label: current, vertices: open }]);
          setSelected(polygons.length);
          setOpen(null);
        }
        return true;
      }
      onSubmit({ polygons: polygons.map((p) => ({ label: task.labels[p.label], vertices: p.vertices })) });
      return true;
    }
    if (e.key === 'Backspace' && open) return setOpen(open.length > 1 ? open.slice(0, -1) : null), true;
    if (e.key === 'Escape') {
      setOpen(null);
      setSelected(null);
      return true;
    }
    if ((e.key === 'Delete' || e.key === 'Backspace') && selected !== null) {
      setPolygons((ps) => ps.filter((_, k) => k !== selected));
      setSelected(null);
      return true;
    }
    return false;
  });

  const click = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0 || !svg.current) return;
    const p = imagePoint(svg.current, e, size);
    setSelected(null);
    setOpen((o) => [...(o ?? []), { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }]);
  };

  const stroke = Math.max(1, Math.round(Math.max(size.width, size.height) / 300));
  const pts = (vs: { x: number; y: number }[]) => vs.map((v) => `${v.x},${v.y}`).join(' ');
  const chosen = new Set([selected !== null && polygons[selected] && !open ? polygons[selected].label : current]);
  return (
    <div className="label-task polygons">
      <ZoomStage labels={task.labels.length}>
        {imageUrl && <img className="label-image" src={imageUrl} width={size.width} height={size.height} alt={`Item ${task.item}`} draggable={false} />}
        <svg
          ref={svg}
          className="label-overlay"
          viewBox={`0 0 ${size.width} ${size.height}`}
          preserveAspectRatio="none"
          onPointerDown={click}
          role="img"
          aria-label={`${polygons.length} polygon${polygons.length === 1 ? '' : 's'} drawn${open ? `, ${open.length} points placed` : ''}`}
          data-testid="polygon-canvas"
        >
          {polygons.map((p, k) => (
            <polygon
              key={k}
              points={pts(p.vertices)}
              fill={labelColor(p.label)}
              fillOpacity={k === selected ? 0.4 : 0.2}
              stroke={labelColor(p.label)}
              strokeWidth={k === selected ? stroke * 2 : stroke}
              data-label={task.labels[p.label]}
              onPointerDown={(e) => {
                if (open) return;
                e.stopPropagation();
                setSelected(k);
              }}
            />
          ))}
          {open && (
            <>
              <polyline points={pts(open)} fill="none" stroke={labelColor(current)} strokeWidth={stroke} />
              {open.map((v, k) => (
                <circle key={k} cx={v.x} cy={v.y} r={stroke * 2.5} fill={k === 0 ? '#fff' : labelColor(current)} stroke={labelColor(current)} strokeWidth={stroke} />
              ))}
            </>
          )}
        </svg>
      </ZoomStage>
      <LabelPicker labels={task.labels} chosen={chosen} onPick={label} caption={selected !== null && !open ? 'Label of the selected polygon' : 'Label of the polygon being drawn'} />
      <p className="muted small">
        Click to place points · <kbd>Enter</kbd> closes the polygon{open ? ` (${open.length} point${open.length === 1 ? '' : 's'})` : ''} · <kbd>Backspace</kbd> undoes a point · <kbd>Delete</kbd> removes the
        selected polygon · <kbd>Enter</kbd> with none open submits {polygons.length} polygon{polygons.length === 1 ? '' : 's'}
      </p>
    </div>
  );
}
