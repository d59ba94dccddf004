/**
 * Labeling's consolidation core: pure functions that turn several annotators' answers
 * into one label per item, and the Ground Truth output-manifest lines that carry them.
 */
export { dawidSkene } from './dawid-skene.js';
export type { DawidSkeneItem, DawidSkeneOptions, DawidSkeneResult, DawidSkeneWorker } from './dawid-skene.js';
export { majorityVote } from './majority-vote.js';
export type { MajorityVoteItem, MajorityVoteOptions, MajorityVoteResult } from './majority-vote.js';
export { dawidSkeneMultiLabel } from './multi-label.js';
export type { MultiLabelAnswer, MultiLabelItem, MultiLabelOptions, MultiLabelResult, MultiLabelWorker } from './multi-label.js';
export type { ClassAnswer, GoldLabels } from './answers.js';
export { consolidateBoxes, iou } from './boxes.js';
export type { Box, BoxAnswer, ConsolidateBoxesOptions, ConsolidatedBox, ConsolidatedBoxes, ImageSize } from './boxes.js';
export { consolidatePolygons } from './polygons.js';
export type { ConsolidatedMask, ConsolidatePolygonsOptions, Polygon, PolygonAnswer } from './polygons.js';
export { fillPolygon, traceOutlines } from './raster.js';
export type { Outline, Point } from './raster.js';
export { encodeMaskPng } from './png.js';
export { consolidateSpans, tokenize } from './spans.js';
export type { ConsolidatedEntity, ConsolidatedSpans, ConsolidateSpansOptions, Entity, SpanAnswer, Token } from './spans.js';
export {
  boundingBoxLine,
  imageClassificationLine,
  imageMultiLabelLine,
  manifestLine,
  namedEntityLine,
  segmentationPalette,
  semanticSegmentationLine,
  textClassificationLine,
  textMultiLabelLine,
  verificationLine,
  SEGMENTATION_COLORS,
} from './manifest.js';
export type { BoundingBoxLabel, ClassificationLabel, LineMeta, ManifestLine, MultiLabelLabel, NamedEntityLabel, SegmentationLabel, VerificationLabel } from './manifest.js';
export { calibration } from './calibration.js';
export type { Calibration, ReliabilityBin } from './calibration.js';
export { crowdConfusion, simulateCrowd, spread } from './simulate.js';
export type { Crowd, CrowdOptions } from './simulate.js';
