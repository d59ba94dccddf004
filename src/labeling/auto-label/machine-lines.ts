import { imageClassificationLine, imageMultiLabelLine, textClassificationLine, textMultiLabelLine, type ManifestLine } from '../consolidation/index.js';
import type { MachineLabelsTable } from './auto-label-store.js';
import { decodeMachineLabels } from './multi-label.js';

/**
 * The output manifest with the machine labels merged in input order: an item people
 * answered keeps its human line; an item only a model labeled gets a line with the model's
 * confidence and `human-annotated: "no"`. A multi-label machine label (its present classes
 * with their probabilities) gets Ground Truth's multi-label line, as people's answers do.
 */
export function withMachineLines(
  items: readonly { item: string; source: ManifestLine; answered: boolean; gold: boolean }[],
  humanLines: readonly ManifestLine[],
  machine: readonly MachineLabelsTable[],
  opts: { jobName: string; attribute: string; classes: readonly string[]; image: boolean; multiLabel: boolean; now?: Date },
): { lines: ManifestLine[]; machineLines: number } {
  const byItem = new Map(machine.map((m) => [m.item, m]));
  const line = opts.image ? imageClassificationLine : textClassificationLine;
  const multiLine = opts.image ? imageMultiLabelLine : textMultiLabelLine;
  const lines: ManifestLine[] = [];
  let h = 0;
  let machineLines = 0;
  for (const i of items) {
    if (i.gold) continue;
    if (i.answered) lines.push(humanLines[h++]);
    else {
      const m = byItem.get(i.item);
      if (!m) continue;
      const meta = { jobName: opts.jobName, creationDate: opts.now ?? new Date(m.created_at), humanAnnotated: false };
      const multi = opts.multiLabel ? (decodeMachineLabels(m.label) ?? []) : null;
      lines.push(
        multi
          ? multiLine(i.source, { attribute: opts.attribute, classes: opts.classes, labels: multi }, meta)
          : line(i.source, { attribute: opts.attribute, classes: opts.classes, label: m.label, confidence: m.confidence }, meta),
      );
      machineLines++;
    }
  }
  return { lines, machineLines };
}
