/**
 * Range validation with SageMaker's rules (ParameterRanges of CreateHyperParameterTuningJob).
 * Ranges usually arrive as JSON, so every field's type is checked too.
 */
import { OrchardError } from '../../core/errors.js';
import type { ParameterRange, StrategyName } from './types.js';

/** SageMaker's limits: 30 parameters per job, 30 values per categorical parameter. */
export const MAX_PARAMETERS = 30;
export const MAX_CATEGORICAL_VALUES = 30;

const SCALINGS = ['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'];
const STRATEGIES: readonly StrategyName[] = ['bayesian', 'tpe', 'random', 'grid', 'hyperband'];

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new OrchardError('ORCH_TUNING_INVALID', { message, details });
}

/**
 * Validates ranges (min<max, log scaling needs min>0, reverse-log needs 0≤min and max<1,
 * integer bounds, non-empty categoricals, grid needs only integer/categorical) and
 * throws `ORCH_TUNING_INVALID` naming the parameter.
 */
export function validateRanges(ranges: ParameterRange[], strategy: StrategyName): void {
  if (!STRATEGIES.includes(strategy)) {
    invalid(`Unknown strategy ${JSON.stringify(strategy)}; known: ${STRATEGIES.join(', ')}`, { strategy, known: STRATEGIES });
  }
  if (!Array.isArray(ranges) || ranges.length === 0) invalid('At least one parameter range is required');
  if (ranges.length > MAX_PARAMETERS) {
    invalid(`At most ${MAX_PARAMETERS} parameter ranges are allowed, got ${ranges.length}`, { count: ranges.length, max: MAX_PARAMETERS });
  }
  const seen = new Set<string>();
  for (const r of ranges as unknown[]) {
    if (typeof r !== 'object' || r === null) invalid('Each parameter range must be an object');
    const range = r as Record<string, unknown>;
    const name = range.name;
    if (typeof name !== 'string' || name.trim() === '') invalid('Each parameter range needs a non-empty name');
    if (seen.has(name)) invalid(`Parameter ${name} has more than one range`, { parameter: name });
    seen.add(name);
    const type = range.type;
    if (type === 'categorical') {
      checkCategorical(name, range.values);
      continue;
    }
    if (type !== 'continuous' && type !== 'integer') {
      invalid(`Parameter ${name}: type must be continuous, integer or categorical, got ${JSON.stringify(type)}`, { parameter: name, type });
    }
    checkNumeric(name, type, range);
    if (strategy === 'grid' && type === 'continuous') {
      invalid(`Parameter ${name}: grid search needs integer or categorical ranges, not continuous`, { parameter: name, strategy });
    }
  }
}

function checkCategorical(name: string, values: unknown): void {
  if (!Array.isArray(values) || values.length === 0) invalid(`Parameter ${name}: a categorical range needs at least one value`, { parameter: name });
  if (values.length > MAX_CATEGORICAL_VALUES) {
    invalid(`Parameter ${name}: at most ${MAX_CATEGORICAL_VALUES} categorical values, got ${values.length}`, { parameter: name, count: values.length });
  }
  const distinct = new Set<string>();
  for (const v of values) {
    if (typeof v !== 'string') invalid(`Parameter ${name}: categorical values must be strings, got ${JSON.stringify(v)}`, { parameter: name, value: v });
    if (distinct.has(v)) invalid(`Parameter ${name}: categorical value ${JSON.stringify(v)} is repeated`, { parameter: name, value: v });
    distinct.add(v);
  }
}

function checkNumeric(name: string, type: 'continuous' | 'integer', range: Record<string, unknown>): void {
  const { min, max, scaling } = range;
  if (typeof min !== 'number' || !Number.isFinite(min) || typeof max !== 'number' || !Number.isFinite(max)) {
    invalid(`Parameter ${name}: min and max must be finite numbers`, { parameter: name, min, max });
  }
  if (type === 'integer' && (!Number.isSafeInteger(min) || !Number.isSafeInteger(max))) {
    invalid(`Parameter ${name}: an integer range needs integer bounds, got [${min}, ${max}]`, { parameter: name, min, max });
  }
  if (!(min < max)) invalid(`Parameter ${name}: min (${min}) must be less than max (${max})`, { parameter: name, min, max });
  if (typeof scaling !== 'string' || !SCALINGS.includes(scaling)) {
    invalid(`Parameter ${name}: scaling must be one of ${SCALINGS.join(', ')}, got ${JSON.stringify(scaling)}`, { parameter: name, scaling });
  }
  if (scaling === 'Logarithmic' && min <= 0) {
    invalid(`Parameter ${name}: Logarithmic scaling needs min > 0, got ${min}`, { parameter: name, min, scaling });
  }
  if (scaling === 'ReverseLogarithmic') {
    if (type === 'integer') invalid(`Parameter ${name}: ReverseLogarithmic scaling applies to continuous ranges only`, { parameter: name, scaling });
    if (min < 0 || max >= 1) {
      invalid(`Parameter ${name}: ReverseLogarithmic scaling needs 0 <= min and max < 1, got [${min}, ${max}]`, { parameter: name, min, max, scaling });
    }
  }
}
