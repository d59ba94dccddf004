export { EventHub, formatPosition, parsePosition } from './event-hub.js';
export type { EventHubOptions, TrainingStreamPosition } from './event-hub.js';
export { eventSource, statusSource } from './status-sources.js';
export type { FeedChanges, FeedRow, StatusRow, StatusSource } from './status-sources.js';
export { openSse } from './sse.js';
export type { SseConnection, SseOptions } from './sse.js';
export { TERMINAL_TRAINING_STATUSES } from './types.js';
export type { PipelineStepEvent, PlatformEvent, StatusChangeEvent, TrainingEndEvent, TrainingEvent, TrainingLogEvent, TrainingMetricEvent, TrainingStatusEvent } from './types.js';
