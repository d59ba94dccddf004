import { OrchardError } from '../core/index.js';
import type { ErrorCode } from '../core/errors.js';

/** SageMaker's ModelName / ModelPackageGroupName: 1–63 alphanumerics, hyphens only between them. */
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;

function check(name: unknown, code: ErrorCode, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new OrchardError(code, {
      message: `Invalid ${what} name: 1-63 letters, digits and hyphens, starting and ending with a letter or digit`,
      details: { name: typeof name === 'string' ? name.slice(0, 200) : String(name) },
    });
  }
  return name;
}

export const validateModelName = (name: unknown): string => check(name, 'ORCH_MODEL_INVALID_NAME', 'model');
export const validateGroupName = (name: unknown): string => check(name, 'ORCH_REGISTRY_INVALID_NAME', 'model package group');

/**
 * Parses `group@N` or `group` (the newest version when `version` is null).
 * @example parsePackageRef('churn@2') // { group: 'churn', version: 2 }
 */
export function parsePackageRef(ref: string): { group: string; version: number | null } {
  const at = typeof ref === 'string' ? ref.lastIndexOf('@') : -1;
  if (at === -1) return { group: validateGroupName(ref), version: null };
  const group = validateGroupName(ref.slice(0, at));
  const digits = ref.slice(at + 1);
  if (!/^[1-9][0-9]{0,8}$/.test(digits)) {
    throw new OrchardError('ORCH_REGISTRY_INVALID_NAME', { message: `Invalid version in '${ref}': expected group@N with N a positive whole number`, details: { ref } });
  }
  return { group, version: Number(digits) };
}
