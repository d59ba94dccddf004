import { imageClassificationLine, textClassificationLine, type ManifestLine } from '../consolidation/index.js';
import type { MachineLabelsTable } from './auto-label-store.js';

/**
 * The output manifest with the machine labels merged in input order: an item people
 * answered keeps its human line; an item only a model labeled gets a line with the model's
 * confidence and `human-annotated: "no"`.
 */
export function withMachineLines(
  items: readonly { item: string; source: ManifestLine; answered: boolean; gold: boolean }[],
  humanLines: readonly ManifestLine[],
  machine: readonly MachineLabelsTable[],
  opts: { jobName: string; attribute: string; classes: readonly string[]; image: boolean; now?: Date },
): { lines: ManifestLine[]; machineLines: number } {
  const byItem = new Map(machine.map((m) => [m.item, m]));
  const line = opts.image ? imageClassificationLine : textClassificationLine;
  const lines: ManifestLine[] = [];
  let h = 0;
  let machineLines = 0;
  for (const i of items) {
    if (i.gold) continue;
    if (i.answered) lines.push(humanLines[h++]);
    else {
      const m = byItem.get(i.item);
      if (!m) continue;
      lines.push(line(i.source, { attribute: opts.attribute, classes: opts.classes, label: m.label, confidence: m.confidence }, { jobName: opts.jobName, creationDate: opts.now ?? new Date(m.created_at), humanAnnotated: false }));
      machineLines++;
    }
  }
  return { lines, machineLines };
}
