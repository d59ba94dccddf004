import { useState } from 'react';
import { LabelPicker, labelIndexOfKey, prefilledClasses, useKeys, type TaskViewProps } from './labeling-kit';

/**
 * Text and image classification. Single label: a number key answers at once. Multi-label:
 * number keys toggle labels and Enter answers (with none chosen: "none applies"). An
 * adjustment task starts with the existing class(es) chosen: Enter keeps them.
 */
export function ClassifyTask({ task, imageUrl, onSubmit }: TaskViewProps) {
  const [chosen, setChosen] = useState<ReadonlySet<number>>(() => new Set(prefilledClasses(task)));
  const pick = (i: number) => {
    if (!task.multiLabel) return onSubmit({ label: task.labels[i] });
    setChosen((c) => {
      const n = new Set(c);
      if (n.has(i)) n.delete(i);
      else n.add(i);
      return n;
    });
  };
  const submitMulti = () => onSubmit({ labels: [...chosen].sort((a, b) => a - b).map((i) => task.labels[i]) });
  useKeys((e) => {
    const i = labelIndexOfKey(e.key, task.labels.length);
    if (i !== null) {
      pick(i);
      return true;
    }
    if (e.key === 'Enter' && task.multiLabel) {
      submitMulti();
      return true;
    }
    // Single label, adjusting: Enter keeps the existing class.
    if (e.key === 'Enter' && chosen.size === 1) {
      onSubmit({ label: task.labels[[...chosen][0]] });
      return true;
    }
    return false;
  });
  const text = typeof task.source.source === 'string' ? task.source.source : null;
  return (
    <div className="label-task classify">
      {imageUrl && task.image ? (
        <div className="label-stage">
          <img className="label-image" src={imageUrl} width={task.image.width} height={task.image.height} alt={`Item ${task.item}`} draggable={false} />
        </div>
      ) : (
        <blockquote className="label-text" data-testid="item-text">
          {text}
        </blockquote>
      )}
      <LabelPicker labels={task.labels} chosen={chosen} onPick={pick} caption={task.multiLabel ? 'Labels that apply' : 'Label'} />
      {task.multiLabel && (
        <p className="muted small">
          <button type="button" onClick={submitMulti}>
            Submit {chosen.size === 0 ? '(none applies)' : `${chosen.size} label${chosen.size === 1 ? '' : 's'}`}
          </button>{' '}
          or press <kbd>Enter</kbd>
        </p>
      )}
    </div>
  );
}
