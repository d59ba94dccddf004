import { describe, expect, it } from 'vitest';
import { BUILTIN_NAMES, loadBuiltin } from './builtin-loaders.js';
import { listAlgorithms } from './registry.js';

describe('loadBuiltin', () => {
  it('loads and registers only the algorithm it is asked for', async () => {
    const knn = await loadBuiltin('knn');
    expect(knn.name).toBe('knn');
    expect(listAlgorithms().map((a) => a.name)).toEqual(['knn']);
    expect(await loadBuiltin('knn')).toBe(knn);
  });

  it('names every built-in of the table, each the descriptor registerBuiltins registers', async () => {
    const { BUILTIN_ALGORITHMS } = await import('./builtins.js');
    expect(BUILTIN_NAMES).toEqual(BUILTIN_ALGORITHMS.map((a) => a.name).sort());
    for (const a of BUILTIN_ALGORITHMS) expect(await loadBuiltin(a.name)).toBe(a);
  });

  it('refuses an unknown name with the known ones', async () => {
    await expect(loadBuiltin('nope')).rejects.toMatchObject({ code: 'ORCH_ALGORITHM_UNKNOWN', details: { name: 'nope', known: [...BUILTIN_NAMES] } });
    await expect(loadBuiltin('toString')).rejects.toMatchObject({ code: 'ORCH_ALGORITHM_UNKNOWN' });
  });
});
