/**
 * The attempt's side of the resolved hyperparameters: the file's name and its reading, apart
 * from their writing, so the algorithm runner reads them without loading every built-in.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Hyperparameters } from '../algorithms/algorithm.js';

/** File name in the attempt's `input/config/` folder. */
export const RESOLVED_HYPERPARAMETERS_FILE = 'hyperparameters.resolved.json';

/** Reads what `writeResolvedHyperparameters` wrote. */
export async function readResolvedHyperparameters(configDir: string): Promise<Hyperparameters> {
  return JSON.parse(await fs.readFile(path.join(configDir, RESOLVED_HYPERPARAMETERS_FILE), 'utf8')) as Hyperparameters;
}
