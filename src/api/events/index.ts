export { EventHub, formatPosition, parsePosition } from './event-hub.js';
export type { EventHubOptions, TrainingStreamPosition } from './event-hub.js';
export { statusSource } from './status-sources.js';
export type { StatusRow, StatusSource } from './status-sources.js';
export { openSse } from './sse.js';
export type { SseConnection, SseOptions } from './sse.js';
export { TERMINAL_TRAINING_STATUSES } from './types.js';
export type { StatusChangeEvent, TrainingEndEvent, TrainingEvent, TrainingLogEvent, TrainingMetricEvent, TrainingStatusEvent } from './types.js';
