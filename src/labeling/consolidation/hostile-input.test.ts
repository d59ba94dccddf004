import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { consolidateBoxes } from './boxes.js';
import { dawidSkene } from './dawid-skene.js';
import { boundingBoxLine, imageClassificationLine, imageMultiLabelLine, namedEntityLine, semanticSegmentationLine } from './manifest.js';
import { majorityVote } from './majority-vote.js';
import { dawidSkeneMultiLabel } from './multi-label.js';
import { consolidatePolygons } from './polygons.js';
import { consolidateSpans } from './spans.js';

const junk: any[] = [null, undefined, 0, 'x', [], {}, [null], [0], [{}], [{ item: 1, worker: null, label: {} }], { length: 2 }];
const meta = { jobName: 'j', creationDate: '2026-01-01T00:00:00' };

function refuses(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(OrchardError);
    expect((err as OrchardError).code).toBe('ORCH_LABELING_INVALID');
    return;
  }
  throw new Error('expected ORCH_LABELING_INVALID');
}

describe('malformed input', () => {
  it('is refused as ORCH_LABELING_INVALID by every function, never a TypeError', () => {
    const classes = ['a', 'b'];
    const image = { width: 4, height: 4 };
    for (const j of junk) {
      refuses(() => dawidSkene(j, { classes }));
      refuses(() => majorityVote(j, { classes }));
      refuses(() => dawidSkeneMultiLabel(j, { classes }));
      refuses(() => consolidateBoxes(j, { classes, image }));
      refuses(() => consolidatePolygons(j, { classes, image }));
      refuses(() => consolidateSpans(j, { classes, text: 'a b' }));
      refuses(() => dawidSkene([{ item: 'i', worker: 'w', label: 'a' }], { classes: j }));
      refuses(() => consolidateBoxes([{ worker: 'w', boxes: [] }], { classes, image: j }));
      refuses(() => consolidateBoxes([{ worker: 'w', boxes: [j] }], { classes, image }));
      refuses(() => consolidatePolygons([{ worker: 'w', polygons: [{ label: 'a', vertices: [j, j, j] }] }], { classes, image }));
      refuses(() => consolidateSpans([{ worker: 'w', entities: [j] }], { classes, text: 'a b' }));
      refuses(() => imageClassificationLine(j, { attribute: 'x', classes, label: j, confidence: j }, meta));
      refuses(() => imageMultiLabelLine({}, { attribute: 'x', classes, labels: [j] }, meta));
      refuses(() => boundingBoxLine({}, { attribute: 'x', classes, image, boxes: [j] }, meta));
      refuses(() => namedEntityLine({}, { attribute: 'x', classes, entities: [j] }, meta));
      refuses(() => semanticSegmentationLine({}, { attribute: 'x-ref', classes, maskRef: 'm', confidence: 1, polygons: [j] }, meta));
      refuses(() => imageClassificationLine({}, { attribute: 'x', classes, label: 'a', confidence: 1 }, j));
      refuses(() => imageClassificationLine({}, j, meta));
    }
  });
});
