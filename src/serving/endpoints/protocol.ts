/** What the platform and its model-server processes agree on. */
import type { PredictorSource } from '../predictor.js';

/** argv[2] of a model server, as JSON. */
export interface ModelServerSpec {
  model: PredictorSource;
  host: string;
  /** 0: any free port (reported back over IPC). */
  port: number;
  maxPayloadBytes: number;
  /** Honour TEST_DELAY_HEADER (tests of timeouts and crashes only). */
  testDelays: boolean;
}

/** Messages a model server sends over IPC. */
export type ModelServerMessage = { type: 'listening'; port: number } | { type: 'failed'; message: string };

/** Exit code of a model server whose model cannot be loaded: restarting would not help. */
export const MODEL_LOAD_FAILED_EXIT = 3;

/** Milliseconds a model server waits before answering, when started with `testDelays`. */
export const TEST_DELAY_HEADER = 'x-orchard-test-delay-ms';

/** SageMaker's largest real-time request payload. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
