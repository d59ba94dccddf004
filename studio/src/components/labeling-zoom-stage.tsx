import { useEffect, useRef, useState, type ReactNode, type PointerEvent } from 'react';
import { cssTransform, IDENTITY, panBy, STEP, wheelFactor, zoomAbout, type View } from './labeling-zoom';

/** Whether a key press belongs to a form field (its keys stay the field's). */
const typing = (e: KeyboardEvent) => {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
};

/**
 * The stage of an image labeling view (the image and the SVG drawn over it), zoomable and
 * movable: the wheel (a trackpad pinch is a wheel with Ctrl) or the + and - keys zoom
 * about the pointer, a drag with Space held or with the middle button moves the image,
 * and 0 goes back to the whole image (when the job has fewer than ten labels: with ten,
 * 0 picks the tenth; the Reset button then does it). The stage is transformed with CSS,
 * so a view's pointer positions, read from its SVG's on-screen box, stay in image pixels
 * at any zoom; `labeling-zoom.ts` holds the arithmetic.
 */
export function ZoomStage({ labels, children }: { labels: number; children: ReactNode }) {
  const outer = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>(IDENTITY);
  const [spaceHeld, setSpaceHeld] = useState(false);
  const space = useRef(false);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const pan = useRef<{ id: number; x: number; y: number } | null>(null);
  const [panning, setPanning] = useState(false);

  const rect = () => outer.current!.getBoundingClientRect();
  const zoomKey = (factor: number) => {
    const r = rect();
    const p = pointer.current ?? { x: r.width / 2, y: r.height / 2 };
    setView((v) => zoomAbout(v, factor, p.x, p.y, r));
  };

  useEffect(() => {
    const el = outer.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      setView((v) => zoomAbout(v, wheelFactor(e.deltaY, e.deltaMode), e.clientX - r.left, e.clientY - r.top, r));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const zoomRef = useRef(zoomKey);
  zoomRef.current = zoomKey;
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing || typing(e)) return;
      if (e.key === ' ') {
        e.preventDefault(); // no page scroll while Space moves the image
        space.current = true;
        setSpaceHeld(true);
      } else if (e.key === '+' || e.key === '=') {
        e.preventDefault();
        zoomRef.current(STEP);
      } else if (e.key === '-' || e.key === '_') {
        e.preventDefault();
        zoomRef.current(1 / STEP);
      } else if (e.key === '0' && labels < 10) {
        e.preventDefault();
        setView(IDENTITY);
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.key !== ' ') return;
      space.current = false;
      setSpaceHeld(false);
    };
    const blur = () => {
      space.current = false;
      setSpaceHeld(false);
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [labels]);

  // Capture-phase handlers: a pan's pointer events never reach the view's drawing handlers.
  const downCapture = (e: PointerEvent<HTMLDivElement>) => {
    if (!(e.button === 1 || (e.button === 0 && space.current))) return;
    e.stopPropagation();
    e.preventDefault();
    outer.current?.setPointerCapture(e.pointerId);
    pan.current = { id: e.pointerId, x: e.clientX, y: e.clientY };
    setPanning(true);
  };
  const moveCapture = (e: PointerEvent<HTMLDivElement>) => {
    const r = rect();
    pointer.current = { x: e.clientX - r.left, y: e.clientY - r.top };
    const p = pan.current;
    if (!p || p.id !== e.pointerId) return;
    e.stopPropagation();
    const dx = e.clientX - p.x;
    const dy = e.clientY - p.y;
    pan.current = { id: p.id, x: e.clientX, y: e.clientY };
    setView((v) => panBy(v, dx, dy, r));
  };
  const upCapture = (e: PointerEvent<HTMLDivElement>) => {
    if (!pan.current || pan.current.id !== e.pointerId) return;
    e.stopPropagation();
    pan.current = null;
    setPanning(false);
  };

  return (
    <div className="label-zoom">
      <div
        ref={outer}
        className={`label-stage label-viewport${spaceHeld || panning ? ' panning' : ''}`}
        style={{ overflow: 'hidden', cursor: panning ? 'grabbing' : spaceHeld ? 'grab' : undefined }}
        onPointerDownCapture={downCapture}
        onPointerMoveCapture={moveCapture}
        onPointerUpCapture={upCapture}
        onPointerLeave={() => (pointer.current = null)}
        // The middle button would otherwise start the browser's autoscroll.
        onMouseDown={(e) => e.button === 1 && e.preventDefault()}
        data-testid="zoom-viewport"
        data-scale={view.scale}
      >
        <div className="label-zoomed" style={{ position: 'relative', transform: cssTransform(view), transformOrigin: '0 0', pointerEvents: spaceHeld || panning ? 'none' : undefined }}>
          {children}
        </div>
      </div>
      <div className="label-zoom-bar small muted" style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: '0.35rem', marginBottom: '0.5rem' }}>
        <button type="button" className="secondary small" onClick={() => zoomKey(1 / STEP)} aria-label="Zoom out">
          −
        </button>
        <span data-testid="zoom-level">{Math.round(view.scale * 100)}%</span>
        <button type="button" className="secondary small" onClick={() => zoomKey(STEP)} aria-label="Zoom in">
          +
        </button>
        <button type="button" className="secondary small" onClick={() => setView(IDENTITY)} disabled={view.scale === 1}>
          Reset
        </button>
        <span> · wheel or <kbd>+</kbd>/<kbd>−</kbd> zoom · <kbd>Space</kbd>+drag or middle button moves · {labels < 10 ? <kbd>0</kbd> : 'Reset'} shows it all</span>
      </div>
    </div>
  );
}
