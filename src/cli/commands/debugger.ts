/** The Debugger's command-line parts: `--rule` / `--rule-script` on `orchard train`, and `orchard training profile`. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { RULE_ACTIONS, type RuleAction } from '../../contracts/debugger-values.js';
import type { RuleConfig, TrainingJob, TrainingProfile } from '../../sdk/index.js';
import { client, run } from '../context.js';
import { emit, fields, table } from '../output.js';

const isAction = (s: string): s is RuleAction => (RULE_ACTIONS as readonly string[]).includes(s);

/**
 * `--rule NAME[:ACTION][:key=value,key=value]` (repeatable) and `--rule-script NAME[:ACTION]=FILE`
 * (a custom rule, .py or .js) → the request's `rules`.
 */
export function parseRules(rules: string[] | undefined, scripts: string[] | undefined): RuleConfig[] | undefined {
  const out: RuleConfig[] = [];
  for (const text of rules ?? []) {
    const [name, ...rest] = text.split(':');
    const rule: RuleConfig = { name };
    for (const part of rest) {
      if (part.includes('=')) {
        rule.parameters = { ...rule.parameters };
        for (const kv of part.split(',')) {
          const eq = kv.indexOf('=');
          if (eq <= 0) throw new Error(`--rule ${text}: parameters are key=value, separated by commas`);
          rule.parameters[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
      } else if (isAction(part)) rule.action = part;
      else throw new Error(`--rule ${text}: '${part}' is neither an action (${RULE_ACTIONS.join(', ')}) nor key=value parameters`);
    }
    out.push(rule);
  }
  for (const text of scripts ?? []) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new Error(`--rule-script ${text}: give NAME[:ACTION]=FILE`);
    const [name, action] = text.slice(0, eq).split(':');
    const file = text.slice(eq + 1);
    if (action !== undefined && !isAction(action)) throw new Error(`--rule-script ${text}: the action is one of ${RULE_ACTIONS.join(', ')}`);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`--rule-script ${text}: no file ${file}`);
    out.push({ name, ...(action ? { action } : {}), script: { fileName: path.basename(file), source: fs.readFileSync(file, 'utf8') } });
  }
  return out.length ? out : undefined;
}

/** The rules block of `describe`'s text. */
export function rulesText(job: TrainingJob): string | null {
  if (!job.rules?.length) return null;
  return table(['rule', 'action', 'status', 'message'], job.rules.map((r) => [r.name, r.action, r.status, r.message ?? '']));
}

/** `orchard training profile NAME`. */
export function profileCommand(jobs: Command): void {
  jobs
    .command('profile <name>')
    .description("The job's profiler report: CPU and memory over time, seconds per phase")
    .option('--json', 'machine output')
    .action((name: string, opts: { json?: boolean }) =>
      run(opts, async () => {
        const profile = await client().training.profile(name);
        emit(opts, profile, () => profileText(profile));
      }),
    );
}

function profileText(p: TrainingProfile): string {
  return p.attempts
    .map((a) => {
      const head = fields([
        ['attempt', a.attempt],
        ['started', a.startedAt],
        ['cpu', a.cpu.avgPercent === null ? '-' : `avg ${a.cpu.avgPercent}%, max ${a.cpu.maxPercent}% (100% = one core)`],
        ['memory', a.memory.maxMiB === null ? '-' : `max ${a.memory.maxMiB} MiB`],
        ['samples', `${a.samples.length} every ${a.intervalSeconds} s`],
      ]);
      return `${head}\n${table(['phase', 'seconds'], Object.entries(a.totals).map(([k, v]) => [k, v]))}`;
    })
    .join('\n\n');
}
