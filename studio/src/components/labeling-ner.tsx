import { useRef, useState } from 'react';
import { labelColor, labelIndexOfKey, LabelPicker, prefilled, useKeys, type TaskViewProps } from './labeling-kit';

interface Entity {
  label: number;
  start: number;
  end: number;
}

/**
 * Named-entity spans: select text with the mouse, then a number key gives the span its
 * label (spans it overlaps are replaced). Click a span to select it: a number key
 * relabels it, Delete removes it. Enter answers. Offsets count UTF-16 code units of the
 * item's text, as JavaScript strings and the server's check do. An adjustment task starts
 * with the existing spans marked.
 */
export function NerTask({ task, onSubmit }: TaskViewProps) {
  const text = typeof task.source.source === 'string' ? task.source.source : '';
  const box = useRef<HTMLDivElement>(null);
  const [entities, setEntities] = useState<Entity[]>(() =>
    prefilled<{ label: string; startOffset: number; endOffset: number }>(task, 'entities').map((e) => ({ label: e.label, start: e.startOffset, end: e.endOffset })),
  );
  const [pending, setPending] = useState<{ start: number; end: number } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);

  /** The selection inside the text as offsets (whitespace at its ends trimmed); null when there is none. */
  const readSelection = (): { start: number; end: number } | null => {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed || !box.current) return null;
    const r = sel.getRangeAt(0);
    const a = offsetOf(box.current, r.startContainer, r.startOffset);
    const b = offsetOf(box.current, r.endContainer, r.endOffset);
    if (a === null || b === null) return null;
    let start = Math.min(a, b);
    let end = Math.max(a, b);
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    return end > start ? { start, end } : null;
  };

  const label = (i: number) => {
    const span = readSelection() ?? pending;
    if (span) {
      setEntities((es) => [...es.filter((e) => e.end <= span.start || e.start >= span.end), { label: i, ...span }].sort((x, y) => x.start - y.start));
      setPending(null);
      setSelected(null);
      window.getSelection()?.removeAllRanges();
    } else if (selected !== null) {
      setEntities((es) => es.map((e, k) => (k === selected ? { ...e, label: i } : e)));
    }
  };
  useKeys((e) => {
    const i = labelIndexOfKey(e.key, task.labels.length);
    if (i !== null) return label(i), true;
    if ((e.key === 'Delete' || e.key === 'Backspace') && selected !== null) {
      setEntities((es) => es.filter((_, k) => k !== selected));
      setSelected(null);
      return true;
    }
    if (e.key === 'Escape') {
      setSelected(null);
      setPending(null);
      return true;
    }
    if (e.key === 'Enter') {
      onSubmit({ entities: entities.map((x) => ({ label: task.labels[x.label], startOffset: x.start, endOffset: x.end })) });
      return true;
    }
    return false;
  });

  // The text as runs: plain stretches and entities, each run's text one text node whose offset is data-start.
  const runs: { start: number; end: number; entity: number | null }[] = [];
  let at = 0;
  entities.forEach((en, k) => {
    if (en.start > at) runs.push({ start: at, end: en.start, entity: null });
    runs.push({ start: en.start, end: en.end, entity: k });
    at = en.end;
  });
  if (at < text.length) runs.push({ start: at, end: text.length, entity: null });

  return (
    <div className="label-task ner">
      <div
        ref={box}
        className="label-text ner-text"
        data-testid="ner-text"
        onMouseUp={() => {
          const s = readSelection();
          setPending(s);
          if (s) setSelected(null);
        }}
      >
        {runs.map((r) =>
          r.entity === null ? (
            <span key={r.start} data-start={r.start}>
              {text.slice(r.start, r.end)}
            </span>
          ) : (
            <mark
              key={r.start}
              data-start={r.start}
              data-label={task.labels[entities[r.entity].label]}
              className={`entity${r.entity === selected ? ' selected' : ''}`}
              style={{ borderColor: labelColor(entities[r.entity].label), backgroundColor: `${labelColor(entities[r.entity].label)}33` }}
              onClick={() => {
                if (window.getSelection()?.isCollapsed !== false) setSelected(r.entity);
              }}
            >
              {text.slice(r.start, r.end)}
            </mark>
          ),
        )}
      </div>
      <LabelPicker labels={task.labels} chosen={new Set(selected !== null && entities[selected] ? [entities[selected].label] : [])} onPick={label} caption={pending ? 'Label of the selected text' : 'Labels'} />
      <p className="muted small">
        Select text, then press a number · click a span and <kbd>Delete</kbd> removes it · <kbd>Enter</kbd> submits {entities.length} span{entities.length === 1 ? '' : 's'}
        {pending && <> · selected “{text.slice(pending.start, pending.end)}”</>}
      </p>
    </div>
  );
}

/** A DOM position inside the text box as an offset into the item's text. */
function offsetOf(root: HTMLElement, node: Node, offset: number): number | null {
  if (!root.contains(node)) return null;
  if (node === root) {
    // Between runs: the start of the run at `offset` (or the text's end).
    const run = root.childNodes[offset] as HTMLElement | undefined;
    if (run?.dataset?.start !== undefined) return Number(run.dataset.start);
    const last = root.lastChild as HTMLElement | null;
    return last?.dataset?.start !== undefined ? Number(last.dataset.start) + (last.textContent?.length ?? 0) : 0;
  }
  const run = (node.nodeType === Node.TEXT_NODE ? node.parentElement : (node as HTMLElement))?.closest<HTMLElement>('[data-start]');
  if (!run) return null;
  const base = Number(run.dataset.start);
  if (node.nodeType === Node.TEXT_NODE) return base + offset;
  // An element position: before its offset-th child (a run holds one text node).
  return base + (offset > 0 ? (run.textContent?.length ?? 0) : 0);
}
