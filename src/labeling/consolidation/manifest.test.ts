import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { consolidateBoxes } from './boxes.js';
import {
  boundingBoxLine,
  imageClassificationLine,
  imageMultiLabelLine,
  manifestLine,
  namedEntityLine,
  semanticSegmentationLine,
  textClassificationLine,
  textMultiLabelLine,
} from './manifest.js';
import { consolidatePolygons } from './polygons.js';

const meta = { jobName: 'identify-sport', creationDate: '2018-10-18T22:18:13.527256' };

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError);
    expect((err as OrchardError).code).toBe('ORCH_LABELING_INVALID');
    return ((err as OrchardError).details!.errors as { field: string }[]).map((e) => e.field);
  }
  throw new Error('expected an error');
}

describe('Ground Truth output lines', () => {
  it('image and text classification: the class index and its metadata, other keys kept', () => {
    const line = imageClassificationLine(
      { 'source-ref': 's3://bucket/image.png', note: 'kept' },
      { attribute: 'sport', classes: ['football', 'tennis'], label: 'football', confidence: 0.81234567 },
      meta,
    );
    expect(line).toEqual({
      'source-ref': 's3://bucket/image.png',
      note: 'kept',
      sport: 0,
      'sport-metadata': {
        'class-name': 'football',
        confidence: 0.8123,
        type: 'groundtruth/image-classification',
        'job-name': 'labeling-job/identify-sport',
        'human-annotated': 'yes',
        'creation-date': '2018-10-18T22:18:13.527256',
      },
    });
    const text = textClassificationLine({ source: 'The food was delicious' }, { attribute: 'mood', classes: ['negative', 'positive'], label: 'positive', confidence: 0.8 }, {
      jobName: 'labeling-job/label-sentiment',
      creationDate: new Date('2020-10-18T22:18:13.527Z'),
      humanAnnotated: false,
    });
    expect(text.mood).toBe(1);
    expect(text['mood-metadata']).toEqual({
      'class-name': 'positive',
      confidence: 0.8,
      type: 'groundtruth/text-classification',
      'job-name': 'labeling-job/label-sentiment',
      'human-annotated': 'no',
      'creation-date': '2020-10-18T22:18:13.527',
    });
    expect(manifestLine(text)).not.toContain('\n');
  });

  it('multi-label: the class indexes with class-map and confidence-map', () => {
    const classes = ['person', 'bicycle', 'clothing'];
    const line = imageMultiLabelLine(
      { 'source-ref': 's3://b/x.jpg' },
      { attribute: 'objects', classes, labels: [{ label: 'bicycle', confidence: 0.95 }, { label: 'person', confidence: 0.77 }] },
      meta,
    );
    expect(line.objects).toEqual([1, 0]);
    expect(line['objects-metadata']).toEqual({
      'job-name': 'labeling-job/identify-sport',
      'class-map': { '1': 'bicycle', '0': 'person' },
      'human-annotated': 'yes',
      'creation-date': meta.creationDate,
      'confidence-map': { '1': 0.95, '0': 0.77 },
      type: 'groundtruth/image-classification-multilabel',
    });
    const text = textMultiLabelLine({ source: 't' }, { attribute: 'tone', classes, labels: [] }, meta);
    expect(text.tone).toEqual([]);
    expect((text['tone-metadata'] as Record<string, unknown>).type).toBe('groundtruth/text-classification-multilabel');
  });

  it('bounding boxes: annotations and image_size, objects and class-map in the metadata', () => {
    const classes = ['dog', 'bone'];
    const image = { width: 500, height: 400 };
    const { boxes } = consolidateBoxes(
      [
        { worker: 'x', boxes: [{ label: 'dog', left: 111, top: 134, width: 61, height: 128 }] },
        { worker: 'y', boxes: [{ label: 'dog', left: 112, top: 134, width: 61, height: 128 }] },
      ],
      { classes, image },
    );
    const line = boundingBoxLine({ 'source-ref': 's3://b/dog.png' }, { attribute: 'bounding-box', classes, image, boxes }, meta);
    expect(line['bounding-box']).toEqual({
      annotations: [{ class_id: 0, left: 112, top: 134, width: 61, height: 128 }],
      image_size: [{ width: 500, height: 400, depth: 3 }],
    });
    expect(line['bounding-box-metadata']).toEqual({
      objects: [{ confidence: expect.any(Number) }],
      'class-map': { '0': 'dog' },
      type: 'groundtruth/object-detection',
      'human-annotated': 'yes',
      'creation-date': meta.creationDate,
      'job-name': 'labeling-job/identify-sport',
    });
  });

  it('semantic segmentation: the mask reference, the internal colour map and, kept beside them, the outlines', () => {
    const classes = ['buildings', 'road'];
    const square = [{ x: 0, y: 0 }, { x: 2, y: 0 }, { x: 2, y: 2 }, { x: 0, y: 2 }];
    const seg = consolidatePolygons(
      [
        { worker: 'x', polygons: [{ label: 'road', vertices: square }] },
        { worker: 'y', polygons: [{ label: 'road', vertices: square }] },
      ],
      { classes, image: { width: 4, height: 4 } },
    );
    const line = semanticSegmentationLine(
      { 'source-ref': 's3://b/city.png' },
      { attribute: 'city-streets-ref', classes, maskRef: 's3://b/masks/city.png', confidence: seg.confidence, polygons: seg.polygons, colors: ['#2acf59', '#f28333'] },
      meta,
    );
    expect(line['city-streets-ref']).toBe('s3://b/masks/city.png');
    expect(line['city-streets-ref-metadata']).toEqual({
      'internal-color-map': {
        '0': { 'class-name': 'BACKGROUND', confidence: 1, 'hex-color': '#ffffff' },
        '1': { 'class-name': 'buildings', confidence: 1, 'hex-color': '#2acf59' },
        '2': { 'class-name': 'road', confidence: 1, 'hex-color': '#f28333' },
      },
      type: 'groundtruth/semantic-segmentation',
      'human-annotated': 'yes',
      'creation-date': meta.creationDate,
      'job-name': 'labeling-job/identify-sport',
      polygons: [{ class_id: 2, vertices: expect.any(Array), hole: false }],
    });
    expect(fields(() => semanticSegmentationLine({}, { attribute: 'city', classes, maskRef: '', confidence: 1 }, meta))).toEqual(['attribute', 'maskRef']);
  });

  it('named entities: entities and every label, a confidence per entity', () => {
    const line = namedEntityLine(
      { source: 'Diego Ramirez is an engineer in the high tech industry.' },
      { attribute: 'ner', classes: ['ENGINEER', 'JUDGE'], entities: [{ label: 'ENGINEER', startOffset: 0, endOffset: 13, confidence: 0.92 }] },
      meta,
    );
    expect(line.ner).toEqual({
      annotations: { entities: [{ label: 'ENGINEER', startOffset: 0, endOffset: 13 }], labels: [{ label: 'ENGINEER' }, { label: 'JUDGE' }] },
    });
    expect(line['ner-metadata']).toEqual({
      entities: [{ confidence: 0.92 }],
      'job-name': 'labeling-job/identify-sport',
      type: 'groundtruth/text-span',
      'creation-date': meta.creationDate,
      'human-annotated': 'yes',
    });
  });

  it('refuses unknown labels, bad confidences and attribute names Ground Truth forbids, naming each field', () => {
    expect(
      fields(() => imageClassificationLine({}, { attribute: 'x-metadata', classes: ['a'], label: 'b', confidence: 1.5 }, { jobName: '' })),
    ).toEqual(['attribute', 'jobName', 'label', 'confidence']);
    expect(fields(() => boundingBoxLine({}, { attribute: 'bb-ref', classes: ['a'], image: { width: 1, height: 1 }, boxes: [{ label: 'z', left: 0, top: 0, width: 1, height: 1, confidence: 1 }] }, meta))).toEqual([
      'attribute',
      'boxes[0].label',
    ]);
  });
});
