/**
 * Debugger: SageMaker Debugger's built-in rules (and custom rule scripts) evaluated on a
 * training job's metric series while it trains, their statuses and actions, and each
 * attempt's profiler report. Training reaches it only through `TrainingRulesPort`.
 */
export { DebuggerService } from './debugger-service.js';
export type { DebuggerDeps, RuleNotifier } from './debugger-service.js';
export { webhookRuleNotifier } from './rule-notifier.js';
export { resolveRules } from './rule-config.js';
export type { ResolvedRule } from './rule-config.js';
export { BUILTIN_RULE_TABLE, judgeClassCounts } from './rules.js';
export type { SeriesMap, SeriesPoint, Verdict } from './rules.js';
export type { ProfileAttempt, RuleConfig, RuleStatus, TrainingProfile } from './types.js';
