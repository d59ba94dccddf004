import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A child-process entry that sits next to the module at `from` (its `import.meta.url`):
 * `<runner>.js` when compiled, `<runner>.ts` run through tsx under tsx/vitest.
 */
export function runnerProgram(from: string, runner: string): { command: string; args: string[] } {
  const here = fileURLToPath(from);
  const ext = path.extname(here);
  const file = path.join(path.dirname(here), `${runner}${ext}`);
  return ext === '.ts' ? { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), file] } : { command: process.execPath, args: [file] };
}

/**
 * For a runner's own process: exit when the worker that started it dies (SIGKILL leaves
 * the child running, re-parented), as its result would never be recorded.
 */
export function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 500).unref();
}
