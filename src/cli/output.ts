import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import type TableConstructor from 'cli-table3';
import { OrchardError } from '../core/index.js';
import { OrchardApiError } from '../sdk/index.js';

/** Options every command takes. */
export interface OutputOptions {
  json?: boolean;
}

/** Prints machine output (JSON on stdout) or a human rendering. */
export function emit(options: OutputOptions, value: unknown, human: () => string): void {
  if (options.json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(human() + '\n');
}

// Rendering libraries are loaded by the commands that draw with them, not by every command
// at startup (each costs tens of milliseconds to load). cli-table3 is CommonJS, so it can be
// required on first use and `table` stays synchronous.
const require = createRequire(import.meta.url);
let Table: typeof TableConstructor | undefined;

export function table(head: string[], rows: Array<Array<string | number | boolean | null | undefined>>): string {
  Table ??= require('cli-table3') as typeof TableConstructor;
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map((c) => (c === null || c === undefined ? '' : String(c))));
  return t.toString();
}

/** A progress bar on stderr when it is a terminal (none otherwise: callers print status lines). */
export async function progressBar(format: string, options: { clearOnComplete?: boolean } = {}): Promise<SingleBar | undefined> {
  if (!process.stderr.isTTY) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: options.clearOnComplete ?? true }, cliProgress.Presets.shades_classic);
}

/** Renders `key: value` lines for a describe-style object. */
export function fields(entries: Array<[string, unknown]>): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined ? '-' : String(v)}`).join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Prints an error in the shape the caller asked for and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const { code, message, details } =
    err instanceof OrchardApiError || err instanceof OrchardError
      ? { code: err.code, message: err.message, details: err.details }
      : { code: 'ORCH_CLI_ERROR', message: err instanceof Error ? err.message : String(err), details: undefined };
  if (json) process.stdout.write(JSON.stringify(details ? { code, message, details } : { code, message }) + '\n');
  else process.stderr.write(humanError(code, message, details));
  return 1;
}

/** One line, or, for a request refused for several problems (`details.errors`), one line each. */
function humanError(code: string, message: string, details: Record<string, unknown> | undefined): string {
  const errors = details?.errors;
  if (!Array.isArray(errors) || errors.length < 2) return `error ${code}: ${message}\n`;
  const lines = errors.map((e: { field?: unknown; code?: unknown; message?: unknown }) => {
    // Messages that already begin with their field are not prefixed a second time.
    const [field, text] = [String(e.field), String(e.message)];
    return `  ${text.startsWith(`${field}:`) ? text : `${field}: ${text}`} (${String(e.code)})\n`;
  });
  return `error ${code}: ${errors.length} problems\n${lines.join('')}`;
}
