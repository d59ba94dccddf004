/**
 * Models and the model registry: models made from training jobs, artifacts or ONNX
 * files; model package groups with approved versions; getting a model onto disk.
 */
export { ModelService } from './model-service.js';
export type { ModelServiceDeps, ModelFilter, RecipeSource, UploadOnnxInput } from './model-service.js';
export { PackageService } from './package-service.js';
export { materializeModel, ONNX_FILE, RECIPE_FILE, UNPACKED_RECIPE_FILE } from './model-files.js';
export type { ModelFiles } from './model-files.js';
export { parsePackageRef } from './names.js';
export { APPROVAL_STATUSES } from './types.js';
export type {
  ApprovalChange,
  ApprovalStatus,
  CreateModelInput,
  Model,
  ModelFormat,
  ModelLineage,
  ModelPackage,
  ModelPackageGroup,
  RegisterModelInput,
} from './types.js';
