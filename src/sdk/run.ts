/**
 * Logging from inside a training script: `import { run } from 'orchard/run'`.
 *
 * A script-mode job's stdout is its log; these helpers write the lines the platform
 * reads as run data (`#metric name=value step=n`, `#param name=value`), so the same
 * script also runs unchanged outside Orchard (the lines are then plain output).
 */

const NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;

function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) throw new TypeError(`${kind} names are 1-128 letters, digits and _ . : / - (got '${name}')`);
}

function write(line: string): void {
  process.stdout.write(line + '\n');
}

export const run = {
  /** Records a metric value; `step` (an epoch, a boosting round) makes it a series. */
  logMetric(name: string, value: number, step?: number): void {
    checkName('Metric', name);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`Metric '${name}' needs a finite number`);
    if (step !== undefined && (!Number.isInteger(step) || step < 0)) throw new TypeError(`Metric '${name}': step is a non-negative integer`);
    write(`#metric ${name}=${value}${step === undefined ? '' : ` step=${step}`}`);
  },
  /** Records a parameter of the run (its last value wins); values are kept as text. */
  logParam(name: string, value: string | number | boolean): void {
    checkName('Parameter', name);
    const text = String(value).replace(/[\r\n]+/g, ' ');
    if (text.length > 1024) throw new TypeError(`Parameter '${name}' is longer than 1024 characters`);
    write(`#param ${name}=${text}`);
  },
  /** `logParam` for each entry. */
  logParams(params: Record<string, string | number | boolean>): void {
    for (const [name, value] of Object.entries(params)) this.logParam(name, value);
  },
};
