import { useRef, useState, type PointerEvent } from 'react';
import { imagePoint, labelColor, labelIndexOfKey, LabelPicker, prefilled, useKeys, type TaskViewProps } from './labeling-kit';
import { ZoomStage } from './labeling-zoom-stage';

interface Box {
  label: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Draft {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Drags shorter than this (in image pixels) are clicks, not boxes. */
const MIN_SIDE = 2;

/**
 * Bounding boxes: drag on the image to draw a box (it takes the current label and is
 * selected), a number key labels the selected box (or sets the label of the next one),
 * click a box to select it, Delete removes it, Escape clears the selection, Enter answers.
 * Drag a box to move it. Coordinates are whole image pixels inside the image, as Ground
 * Truth's, at any zoom. An adjustment task starts with the existing boxes drawn.
 */
export function BoxTask({ task, imageUrl, onSubmit }: TaskViewProps) {
  const size = task.image ?? { width: 1, height: 1 };
  const svg = useRef<SVGSVGElement>(null);
  const [boxes, setBoxes] = useState<Box[]>(() => prefilled<Box & { label: string }>(task, 'boxes'));
  const [moving, setMoving] = useState<{ k: number; x0: number; y0: number; from: Box } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [current, setCurrent] = useState(0);
  const [draft, setDraftState] = useState<Draft | null>(null);
  // The drag in progress is also kept in a ref: a pointer-up can arrive before the render
  // of the last pointer-moves (those render at a lower priority), and must see them.
  const draftRef = useRef<Draft | null>(null);
  const setDraft = (d: Draft | null) => {
    draftRef.current = d;
    setDraftState(d);
  };

  const label = (i: number) => {
    if (selected !== null) setBoxes((bs) => bs.map((b, k) => (k === selected ? { ...b, label: i } : b)));
    setCurrent(i);
  };
  useKeys((e) => {
    const i = labelIndexOfKey(e.key, task.labels.length);
    if (i !== null) return label(i), true;
    if ((e.key === 'Delete' || e.key === 'Backspace') && selected !== null) {
      setBoxes((bs) => bs.filter((_, k) => k !== selected));
      setSelected(null);
      return true;
    }
    if (e.key === 'Escape') return setSelected(null), true;
    if (e.key === 'Enter') {
      onSubmit({ boxes: boxes.map((b) => ({ label: task.labels[b.label], left: b.left, top: b.top, width: b.width, height: b.height })) });
      return true;
    }
    return false;
  });

  const down = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0 || !svg.current) return;
    const p = imagePoint(svg.current, e, size);
    svg.current.setPointerCapture(e.pointerId);
    setDraft({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
  };
  const move = (e: PointerEvent<SVGSVGElement>) => {
    if (moving && svg.current) {
      // A box keeps its size and stays inside the image while it is dragged.
      const p = imagePoint(svg.current, e, size);
      const { from } = moving;
      const left = Math.min(size.width - from.width, Math.max(0, Math.round(from.left + p.x - moving.x0)));
      const top = Math.min(size.height - from.height, Math.max(0, Math.round(from.top + p.y - moving.y0)));
      setBoxes((bs) => bs.map((b, k) => (k === moving.k ? { ...b, left, top } : b)));
      return;
    }
    const d = draftRef.current;
    if (!d || !svg.current) return;
    const p = imagePoint(svg.current, e, size);
    setDraft({ ...d, x1: p.x, y1: p.y });
  };
  const up = (e: PointerEvent<SVGSVGElement>) => {
    if (moving) return setMoving(null);
    const d = draftRef.current;
    if (!d || !svg.current) return;
    setDraft(null);
    // The drag ends where the button is released.
    const p = imagePoint(svg.current, e, size);
    const draft = { ...d, x1: p.x, y1: p.y };
    const left = Math.floor(Math.min(draft.x0, draft.x1));
    const top = Math.floor(Math.min(draft.y0, draft.y1));
    const right = Math.min(size.width, Math.ceil(Math.max(draft.x0, draft.x1)));
    const bottom = Math.min(size.height, Math.ceil(Math.max(draft.y0, draft.y1)));
    if (right - left < MIN_SIDE || bottom - top < MIN_SIDE) {
      setSelected(null);
      return;
    }
    setBoxes((bs) => [...bs, { label: current, left, top, width: right - left, height: bottom - top }]);
    setSelected(boxes.length);
  };

  const chosen = new Set([selected !== null && boxes[selected] ? boxes[selected].label : current]);
  const stroke = Math.max(1, Math.round(Math.max(size.width, size.height) / 300));
  return (
    <div className="label-task boxes">
      <ZoomStage labels={task.labels.length}>
        {imageUrl && <img className="label-image" src={imageUrl} width={size.width} height={size.height} alt={`Item ${task.item}`} draggable={false} />}
        <svg
          ref={svg}
          className="label-overlay"
          viewBox={`0 0 ${size.width} ${size.height}`}
          preserveAspectRatio="none"
          onPointerDown={down}
          onPointerMove={move}
          onPointerUp={up}
          role="img"
          aria-label={`${boxes.length} box${boxes.length === 1 ? '' : 'es'} drawn`}
          data-testid="box-canvas"
        >
          {boxes.map((b, k) => (
            <rect
              key={k}
              x={b.left}
              y={b.top}
              width={b.width}
              height={b.height}
              fill={labelColor(b.label)}
              fillOpacity={k === selected ? 0.3 : 0.12}
              stroke={labelColor(b.label)}
              strokeWidth={k === selected ? stroke * 2 : stroke}
              data-label={task.labels[b.label]}
              style={{ cursor: 'move' }}
              onPointerDown={(e) => {
                e.stopPropagation();
                setSelected(k);
                if (e.button !== 0 || !svg.current) return;
                const p = imagePoint(svg.current, e, size);
                svg.current.setPointerCapture(e.pointerId);
                setMoving({ k, x0: p.x, y0: p.y, from: b });
              }}
            />
          ))}
          {draft && (
            <rect
              x={Math.min(draft.x0, draft.x1)}
              y={Math.min(draft.y0, draft.y1)}
              width={Math.abs(draft.x1 - draft.x0)}
              height={Math.abs(draft.y1 - draft.y0)}
              fill="none"
              stroke={labelColor(current)}
              strokeWidth={stroke}
              strokeDasharray={`${stroke * 4} ${stroke * 2}`}
            />
          )}
        </svg>
      </ZoomStage>
      <LabelPicker labels={task.labels} chosen={chosen} onPick={label} caption={selected !== null ? 'Label of the selected box' : 'Label of the next box'} />
      <p className="muted small">
        Drag to draw a box, drag a box to move it · number keys label the selected box · <kbd>Delete</kbd> removes it · <kbd>Enter</kbd> submits {boxes.length} box{boxes.length === 1 ? '' : 'es'}
      </p>
    </div>
  );
}
