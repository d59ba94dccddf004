import fs from 'node:fs';
import { clientOptionsFromEnv } from '../core/index.js';
import { Orchard } from '../sdk/index.js';
import { reportError } from './output.js';

/** The client the CLI uses: ORCHARD_URL / ORCHARD_TOKEN, else a local server's admin token file. */
export function client(): Orchard {
  const env = clientOptionsFromEnv();
  let token = env.token;
  if (!token) {
    try {
      token = fs.readFileSync(env.adminTokenFile, 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  return new Orchard({ url: env.url, token });
}

/** Exit code of the last action; commander actions cannot return one. */
export const exit = { code: 0 };

/** Runs an action, turning any failure into an error report and a non-zero exit code. */
export async function run(options: { json?: boolean }, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    exit.code = reportError(err, Boolean(options.json));
  }
}

/** Collects a repeatable `--opt value` into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseKeyValues(pairs: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`${what} must be key=value, got '${pair}'`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Expected a whole number, got '${value}'`);
  return n;
}
