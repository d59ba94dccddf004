export { PipelineService } from './pipeline-service.js';
export type { Approver, StartOptions } from './pipeline-service.js';
export { PipelineStore } from './pipeline-store.js';
export { ExecutionEngine } from './engine/execution-engine.js';
export { PipelineController } from './engine/controller.js';
export type { ControllerOptions } from './engine/controller.js';
export { STEP_RUNNERS } from './steps/index.js';
export type { PipelinePorts } from './steps/index.js';
