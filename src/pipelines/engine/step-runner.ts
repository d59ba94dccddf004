/**
 * What a step type that does work supplies to the engine: start its effect (idempotent: a
 * step re-entered after a crash calls `start` again with the same resource name and must
 * find what it created rather than create a second one), poll it until done, stop it.
 * Control steps (pass, condition, fail, wait, parallel, for-each) are the engine's own.
 */
import { isOrchardError, type ErrorCode } from '../../core/index.js';

export interface StepContext {
  execution: { id: string; pipeline: string; version: number };
  /** The step's key: its name, or `loop[2].train` inside a for-each. */
  step: string;
  /** The name of what the step creates, derived from the execution, step and attempt. */
  resource: string;
  attempt: number;
  /** The step's own fields with every reference resolved. */
  inputs: Record<string, unknown>;
  createdBy: string | null;
}

export type StepResult =
  | { status: 'done'; outputs: Record<string, unknown> }
  /** Still working: polled again after `pollAfterMs` (@default the controller's poll interval). */
  | { status: 'running'; pollAfterMs?: number };

export interface StepRunner<P = unknown> {
  start(ctx: StepContext, ports: P): Promise<StepResult>;
  poll?(ctx: StepContext, ports: P): Promise<StepResult>;
  stop?(ctx: StepContext, ports: P): Promise<void>;
}

/** A step's failure, with the code retry and catch rules match. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** False when no retry could help (a fail step, a bad reference). @default true */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** Any error a runner throws, as a step failure (an OrchardError keeps its code). */
export function asStepFailure(err: unknown): StepFailure {
  if (err instanceof StepFailure) return err;
  if (isOrchardError(err)) {
    // A request the services refuse is the definition's problem: trying again changes nothing.
    const retryable = err.status >= 500 || err.status === 409 || err.status === 503;
    return new StepFailure(err.code, err.message, retryable);
  }
  return new StepFailure('ORCH_PIPELINE_STEP_FAILED' satisfies ErrorCode, err instanceof Error ? err.message : String(err));
}
