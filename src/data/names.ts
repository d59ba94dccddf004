import { OrchardError } from '../core/index.js';

/**
 * Dataset names double as artifact-key segments and SQL table names, so they are
 * restricted to a plain identifier-like alphabet: no `/`, `.`, `%` or spaces can
 * ever reach a key or a query.
 */
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const NAME_RULE =
  'a dataset name starts with a letter and has 1-128 characters from A-Z, a-z, 0-9, _ and -';

/**
 * Returns `name` unchanged when it is a valid dataset name, otherwise throws
 * `ORCH_DATASET_INVALID_NAME` with a message stating the rule.
 * @example validateDatasetName('churn_2024') // 'churn_2024'
 */
export function validateDatasetName(name: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new OrchardError('ORCH_DATASET_INVALID_NAME', {
      message: `Invalid dataset name: ${NAME_RULE}`,
      details: { name: typeof name === 'string' ? name.slice(0, 200) : String(name) },
    });
  }
  return name;
}

/**
 * Parses `name` or `name@N` (N a positive integer). `version` is null when the
 * reference means "the latest ready version".
 * @example parseDatasetRef('cls@3') // { name: 'cls', version: 3 }
 */
export function parseDatasetRef(ref: string): { name: string; version: number | null } {
  if (typeof ref !== 'string') return { name: validateDatasetName(ref), version: null };
  const at = ref.lastIndexOf('@');
  if (at === -1) return { name: validateDatasetName(ref), version: null };
  const name = validateDatasetName(ref.slice(0, at));
  const digits = ref.slice(at + 1);
  const version = Number(digits);
  if (!/^[1-9][0-9]{0,8}$/.test(digits) || !Number.isSafeInteger(version)) {
    throw new OrchardError('ORCH_DATASET_INVALID_NAME', {
      message: `Invalid dataset reference: use 'name' or 'name@N' with N a positive integer`,
      details: { ref: ref.slice(0, 200) },
    });
  }
  return { name, version };
}

/** `name@version`, the canonical way to point at one version. */
export function formatDatasetRef(name: string, version: number): string {
  return `${name}@${version}`;
}
