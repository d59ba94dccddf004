/**
 * The table of registered algorithms. A name is registered once; registering it again
 * is a programming error (two folders claiming one name), not something to overwrite.
 */
import { OrchardError } from '../core/errors.js';
import type { Algorithm } from './algorithm.js';

const algorithms = new Map<string, Algorithm>();

/** Adds an algorithm. Throws `ORCH_ALGORITHM_EXISTS` when the name is taken. */
export function registerAlgorithm(algorithm: Algorithm): void {
  if (algorithms.has(algorithm.name)) {
    throw new OrchardError('ORCH_ALGORITHM_EXISTS', {
      message: `An algorithm named "${algorithm.name}" is already registered`,
      details: { name: algorithm.name },
    });
  }
  algorithms.set(algorithm.name, algorithm);
}

/** The algorithm named `name`; `ORCH_ALGORITHM_UNKNOWN` listing the known names otherwise. */
export function getAlgorithm(name: string): Algorithm {
  const algorithm = algorithms.get(name);
  if (!algorithm) {
    const known = [...algorithms.keys()].sort();
    throw new OrchardError('ORCH_ALGORITHM_UNKNOWN', {
      message: `Unknown algorithm "${name}"; known: ${known.length ? known.join(', ') : '(none registered)'}`,
      details: { name, known },
    });
  }
  return algorithm;
}

/** Whether `name` is registered. */
export function hasAlgorithm(name: string): boolean {
  return algorithms.has(name);
}

/** Registered algorithms, sorted by name. */
export function listAlgorithms(): Algorithm[] {
  return [...algorithms.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes an algorithm; for tests that register throwaway descriptors. */
export function unregisterAlgorithm(name: string): boolean {
  return algorithms.delete(name);
}
