/** The wire shapes of models and the registry are declared once, in the contracts. */
export type {
  ApprovalChange,
  ApprovalStatus,
  CreateModelInput,
  Model,
  ModelFormat,
  ModelLineage,
  ModelRecipe,
  ModelPackage,
  ModelPackageGroup,
  RegisterModelInput,
} from '../contracts/index.js';
export { APPROVAL_STATUSES } from '../contracts/values.js';
