import { useEffect, useRef, useState } from 'react';
import { labelingApi } from '../api/client';
import { LabelPicker, labelColor, labelIndexOfKey, useKeys, type TaskViewProps } from './labeling-kit';
import { overlayPixels } from './labeling-mask';
import { ZoomStage } from './labeling-zoom-stage';

/**
 * Label verification: the item with the label to judge (boxes drawn over the image, the
 * class name(s), a segmentation mask over the image with its legend, or the text's marked
 * spans) and the verdicts. Images zoom and pan. A number key answers at
 * once, with the comment typed (if any) sent along as the reviewer's feedback.
 */
export function VerifyTask({ task, imageUrl, onSubmit }: TaskViewProps) {
  const [comment, setComment] = useState('');
  const verify = task.verify;
  const pick = (i: number) => onSubmit(comment.trim() ? { label: task.labels[i], comment: comment.trim() } : { label: task.labels[i] });
  useKeys((e) => {
    const i = labelIndexOfKey(e.key, task.labels.length);
    if (i === null) return false;
    pick(i);
    return true;
  });
  // One colour per class name of the label shown.
  const names = [...new Set([...(verify?.classes ?? []), ...(verify?.boxes ?? []).map((b) => b.label), ...(verify?.entities ?? []).map((e) => e.label)])];
  const maskColor = new Map((verify?.mask?.classes ?? []).map((c) => [c.name, c.color]));
  const color = (name: string) => maskColor.get(name) ?? labelColor(names.indexOf(name));
  const text = typeof task.source.source === 'string' ? task.source.source : null;
  const size = task.image;
  const stroke = size ? Math.max(1, Math.round(Math.max(size.width, size.height) / 300)) : 1;
  return (
    <div className="label-task verify">
      {imageUrl && size ? (
        <ZoomStage labels={task.labels.length}>
          <img className="label-image" src={imageUrl} width={size.width} height={size.height} alt={`Item ${task.item}`} draggable={false} />
          {verify?.kind === 'mask' && verify.mask && task.job && <MaskOverlay url={labelingApi.maskUrl(task.job, task.item)} size={size} classes={verify.mask.classes} />}
          {verify?.kind === 'boxes' && (
            <svg className="label-overlay" viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" role="img" aria-label={`${verify.boxes.length} box(es) to verify`} data-testid="verify-boxes">
              {verify.boxes.map((b, k) => (
                <rect key={k} x={b.left} y={b.top} width={b.width} height={b.height} fill={color(b.label)} fillOpacity={0.12} stroke={color(b.label)} strokeWidth={stroke} data-label={b.label} />
              ))}
            </svg>
          )}
        </ZoomStage>
      ) : verify?.kind === 'entities' && text !== null ? (
        <blockquote className="label-text ner-text" data-testid="item-text">
          {spans(text, verify.entities).map((r, k) =>
            r.label === null ? (
              <span key={k}>{text.slice(r.start, r.end)}</span>
            ) : (
              <mark key={k} className="entity" data-label={r.label} style={{ borderBottomColor: color(r.label) }} title={r.label}>
                {text.slice(r.start, r.end)}
              </mark>
            ),
          )}
        </blockquote>
      ) : (
        <blockquote className="label-text" data-testid="item-text">
          {text}
        </blockquote>
      )}
      {verify && (
        <p className="verify-label" data-testid="verify-label">
          <span className="muted small">Label to verify ({verify.attribute}): </span>
          {verify.kind === 'classes' ? (
            verify.classes.length === 0 ? (
              <em>no class</em>
            ) : (
              verify.classes.map((c) => (
                <strong key={c} className="verify-class" style={{ borderLeftColor: color(c) }}>
                  {c}
                </strong>
              ))
            )
          ) : (
            names.map((c) => (
              <span key={c} className="verify-class" style={{ borderLeftColor: color(c) }}>
                {c}
              </span>
            ))
          )}
        </p>
      )}
      <LabelPicker labels={task.labels} chosen={new Set()} onPick={pick} caption="Verdict" />
      <input className="verify-comment" aria-label="Comment (optional)" placeholder="Comment (optional), then a verdict" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
    </div>
  );
}

/** The mask PNG drawn over the image: each class in its colour, half transparent; background clear. */
function MaskOverlay({ url, size, classes }: { url: string; size: { width: number; height: number }; classes: readonly { color: string }[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const img = new Image();
    let live = true;
    img.onload = () => {
      const c = canvas.current;
      const ctx = c?.getContext('2d', { willReadFrequently: true });
      if (!live || !c || !ctx) return;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, 0, 0, size.width, size.height);
      const data = ctx.getImageData(0, 0, size.width, size.height);
      data.data.set(overlayPixels(data.data, classes));
      ctx.putImageData(data, 0, 0);
    };
    img.onerror = () => live && setFailed(true);
    img.src = url;
    return () => {
      live = false;
    };
  }, [url, size.width, size.height, classes]);
  if (failed) return <p className="error small">The mask could not be loaded.</p>;
  return <canvas ref={canvas} className="label-overlay label-mask" width={size.width} height={size.height} style={{ pointerEvents: 'none', imageRendering: 'pixelated' }} data-testid="verify-mask" />;
}

/** The text cut into runs, each marked with the entity covering it (the first, where spans overlap). */
function spans(text: string, entities: readonly { label: string; startOffset: number; endOffset: number }[]): { start: number; end: number; label: string | null }[] {
  const sorted = [...entities].sort((a, b) => a.startOffset - b.startOffset);
  const runs: { start: number; end: number; label: string | null }[] = [];
  let at = 0;
  for (const e of sorted) {
    if (e.startOffset < at) continue;
    if (e.startOffset > at) runs.push({ start: at, end: e.startOffset, label: null });
    runs.push({ start: e.startOffset, end: e.endOffset, label: e.label });
    at = e.endOffset;
  }
  if (at < text.length) runs.push({ start: at, end: text.length, label: null });
  return runs;
}
