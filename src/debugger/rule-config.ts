/** Checks a job's rules once, when the job is created, and resolves their parameters. */
import { BUILTIN_RULES, RULE_LIMITS, RULE_NAME_PATTERN, type BuiltinRuleName, type RuleAction } from '../contracts/debugger-values.js';
import type { RequestProblem } from '../core/index.js';
import { BUILTIN_RULE_TABLE, type ParamSpec, type ParamValue } from './rules.js';
import type { RuleConfig } from './types.js';

/** A rule ready to evaluate: parameters typed with defaults filled in. */
export interface ResolvedRule {
  name: string;
  action: RuleAction;
  builtin: BuiltinRuleName | null;
  params: Record<string, ParamValue | null>;
  script: { fileName: string; source: string } | null;
}

const isBuiltin = (name: string): name is BuiltinRuleName => (BUILTIN_RULES as readonly string[]).includes(name);

/** Every problem of a request's rules (fields under `rules[i]`), and the resolved rules when there is none. */
export function resolveRules(rules: readonly RuleConfig[] | undefined): { rules: ResolvedRule[]; problems: RequestProblem[] } {
  const problems: RequestProblem[] = [];
  const out: ResolvedRule[] = [];
  const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_DEBUGGER_RULE_INVALID', message });
  if (rules === undefined) return { rules: out, problems };
  if (!Array.isArray(rules)) return { rules: out, problems: [{ field: 'rules', code: 'ORCH_DEBUGGER_RULE_INVALID', message: 'rules is a list of {name, action, parameters}' }] };
  if (rules.length > RULE_LIMITS.rules) problem('rules', `At most ${RULE_LIMITS.rules} rules per job`);
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (typeof rule?.name !== 'string' || !new RegExp(RULE_NAME_PATTERN).test(rule.name)) return problem(`${at}.name`, 'A rule name is letters, digits, _ and -, starting with a letter');
    if (seen.has(rule.name)) problem(`${at}.name`, `Rule '${rule.name}' is given twice`);
    seen.add(rule.name);
    const action = rule.action ?? 'none';
    if (!['none', 'stop', 'notify'].includes(action)) problem(`${at}.action`, `Rule '${rule.name}': action is none, stop or notify (not '${String(action)}')`);
    if (rule.script) {
      if (isBuiltin(rule.name)) problem(`${at}.name`, `'${rule.name}' is a built-in rule; name a custom rule otherwise`);
      if (!/^[\w.-]{1,128}\.(py|js|mjs)$/.test(rule.script.fileName ?? '')) problem(`${at}.script.fileName`, `Rule '${rule.name}': the script is a .py, .js or .mjs file`);
      if (typeof rule.script.source !== 'string' || Buffer.byteLength(rule.script.source) > RULE_LIMITS.scriptBytes) problem(`${at}.script.source`, `Rule '${rule.name}': the script is at most ${RULE_LIMITS.scriptBytes} bytes`);
      out.push({ name: rule.name, action: action as RuleAction, builtin: null, params: { ...(rule.parameters ?? {}) }, script: rule.script });
      return;
    }
    if (!isBuiltin(rule.name)) return problem(`${at}.name`, `Unknown rule '${rule.name}': the built-in rules are ${BUILTIN_RULES.join(', ')} (a custom rule needs a script)`);
    const spec: Record<string, ParamSpec> = BUILTIN_RULE_TABLE[rule.name as BuiltinRuleName].parameters;
    const params: Record<string, ParamValue | null> = {};
    for (const [key, p] of Object.entries(spec)) params[key] = p.default;
    for (const [key, raw] of Object.entries(rule.parameters ?? {})) {
      const p = spec[key];
      const field = `${at}.parameters.${key}`;
      if (!p) {
        problem(field, `Rule '${rule.name}' has no parameter '${key}'; it takes ${Object.keys(spec).join(', ')}`);
        continue;
      }
      if (p.type === 'number') {
        const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(v) || (p.min !== undefined && v < p.min) || (p.integer && !Number.isInteger(v))) problem(field, `Rule '${rule.name}': ${key} is ${p.integer ? 'an integer' : 'a number'}${p.min !== undefined ? ` ≥ ${p.min}` : ''} (got '${String(raw)}')`);
        else params[key] = v;
      } else if (p.type === 'boolean') {
        const v = raw === true || raw === 'true' || raw === 'True' ? true : raw === false || raw === 'false' || raw === 'False' ? false : null;
        if (v === null) problem(field, `Rule '${rule.name}': ${key} is true or false (got '${String(raw)}')`);
        else params[key] = v;
      } else {
        const v = String(raw);
        if (p.regex) {
          try {
            new RegExp(v);
          } catch (err) {
            problem(field, `Rule '${rule.name}': ${key} is not a valid regular expression (${(err as Error).message})`);
            continue;
          }
        }
        params[key] = v;
      }
    }
    out.push({ name: rule.name, action: action as RuleAction, builtin: rule.name, params, script: null });
  });
  return { rules: problems.length ? [] : out, problems };
}
