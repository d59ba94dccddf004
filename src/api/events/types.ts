/** The event shapes are declared once, in the contracts (the SDK and studio read them). */
export type {
  PipelineStepEvent,
  PlatformEvent,
  StatusChangeEvent,
  TrainingEndEvent,
  TrainingEvent,
  TrainingLogEvent,
  TrainingMetricEvent,
  TrainingStatusEvent,
} from '../../contracts/index.js';

/** The statuses after which a training job changes no more. */
export const TERMINAL_TRAINING_STATUSES: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Stopped']);
