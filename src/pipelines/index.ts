export { PipelineService } from './pipeline-service.js';
export type { Approver, StartOptions } from './pipeline-service.js';
export { PipelineStore } from './pipeline-store.js';
export { ExecutionEngine } from './engine/execution-engine.js';
export { PipelineController } from './engine/controller.js';
export type { ControllerOptions } from './engine/controller.js';
export { STEP_RUNNERS, scriptJobsOwner, pipelineScriptJobHandler, PIPELINE_SCRIPT_KIND } from './steps/index.js';
export type { PipelinePorts, ScriptJobDeps, ScriptPayload } from './steps/index.js';
