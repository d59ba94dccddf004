import { useEffect, useRef } from 'react';
import type { LabelingTask } from '../api/client';

/** What every task view gets: the item, where its image is, and how to answer it. */
export interface TaskViewProps {
  task: {
    item: string;
    taskType: string;
    multiLabel: boolean;
    labels: string[];
    source: Record<string, unknown>;
    image: { width: number; height: number } | null;
    /** A verification task: the label to judge. */
    verify?: LabelingTask['verify'];
    /** An adjustment task: the existing label, as an answer of the task, shown pre-filled. */
    adjust?: LabelingTask['adjust'];
    /** The job (a verification view fetches a segmentation mask through it). */
    job?: string;
  };
  imageUrl: string | null;
  onSubmit(answer: unknown): void;
}

/** Label i is chosen with key i+1 (1…9), the tenth with 0; further labels by click. */
export function labelIndexOfKey(key: string, count: number): number | null {
  if (!/^[0-9]$/.test(key)) return null;
  const i = key === '0' ? 9 : Number(key) - 1;
  return i < count ? i : null;
}

export function keyOfLabel(i: number): string | null {
  return i < 9 ? String(i + 1) : i === 9 ? '0' : null;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#808000'];

/** A stable colour per label index, for boxes, polygons and spans. */
export function labelColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/**
 * Calls `handler` for key presses on the page, except while the user types in a form
 * field or holds a modifier (the browser's own shortcuts stay theirs). The handler
 * returns true when it used the key (its default action is then prevented).
 */
export function useKeys(handler: (e: KeyboardEvent) => boolean | void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      if (ref.current(e) === true) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** The labels with their keys; the chosen ones pressed. Clicking one is the same as its key. */
export function LabelPicker({ labels, chosen, onPick, caption }: { labels: string[]; chosen: ReadonlySet<number>; onPick(i: number): void; caption: string }) {
  return (
    <div className="label-picker" role="group" aria-label={caption}>
      {labels.map((l, i) => {
        const key = keyOfLabel(i);
        return (
          <button key={l} type="button" className={`label-choice${chosen.has(i) ? ' chosen' : ''}`} aria-pressed={chosen.has(i)} onClick={() => onPick(i)} style={{ borderLeftColor: labelColor(i) }}>
            {key && <kbd>{key}</kbd>} {l}
          </button>
        );
      })}
    </div>
  );
}

/**
 * An adjustment task's pre-filled answer of one shape (`boxes`, `polygons`, `entities`,
 * `labels` or `label`), labels turned into their indexes (unknown ones dropped).
 */
export function prefilled<T extends { label: string }>(task: TaskViewProps['task'], key: 'boxes' | 'polygons' | 'entities'): (Omit<T, 'label'> & { label: number })[] {
  const answer = task.adjust?.answer as Record<string, unknown> | undefined;
  const list = answer && Array.isArray(answer[key]) ? (answer[key] as T[]) : [];
  return list.flatMap((x) => {
    const label = task.labels.indexOf(x.label);
    return label < 0 ? [] : [{ ...x, label }];
  });
}

/** An adjustment task's pre-filled classes, as label indexes. */
export function prefilledClasses(task: TaskViewProps['task']): number[] {
  const answer = task.adjust?.answer as { label?: unknown; labels?: unknown } | undefined;
  const names = Array.isArray(answer?.labels) ? (answer.labels as string[]) : typeof answer?.label === 'string' ? [answer.label] : [];
  return names.map((n) => task.labels.indexOf(n)).filter((i) => i >= 0);
}

/** Pointer position in image pixels, from an SVG drawn over the image with the image's size as its viewBox. */
export function imagePoint(svg: SVGSVGElement, e: { clientX: number; clientY: number }, size: { width: number; height: number }): { x: number; y: number } {
  const r = svg.getBoundingClientRect();
  const x = ((e.clientX - r.left) / r.width) * size.width;
  const y = ((e.clientY - r.top) / r.height) * size.height;
  return { x: Math.min(size.width, Math.max(0, x)), y: Math.min(size.height, Math.max(0, y)) };
}
