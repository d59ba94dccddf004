/**
 * Plain values of the debugger contract (no schema library behind them, as in values.ts):
 * the CLI, the SDK and the training worker import them without loading TypeBox.
 */

/** SageMaker Debugger's built-in rules that Orchard evaluates on a training job. */
export const BUILTIN_RULES = [
  'loss_not_decreasing',
  'overfit',
  'overtraining',
  'class_imbalance',
  'vanishing_gradient',
  'exploding_tensor',
  'poor_weight_initialization',
] as const;
export type BuiltinRuleName = (typeof BUILTIN_RULES)[number];

/** What a rule does when it finds issues: record only, stop the training job, or deliver `training.rule` to webhooks. */
export const RULE_ACTIONS = ['none', 'stop', 'notify'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** SageMaker's RuleEvaluationStatus (less `Stopping`/`Stopped`: a rule ends with its job). */
export const RULE_STATUSES = ['InProgress', 'NoIssuesFound', 'IssuesFound', 'Error'] as const;
export type RuleStatusName = (typeof RULE_STATUSES)[number];

/** The webhook event a `notify` rule delivers. */
export const RULE_EVENT = 'training.rule';

/** Limits of a job's rules. */
export const RULE_LIMITS = {
  /** Rules one job may have. */
  rules: 20,
  /** Largest custom rule script, bytes. */
  scriptBytes: 64 * 1024,
  /** Longest a custom rule script may run once, ms. */
  scriptTimeoutMs: 30_000,
} as const;

/** A rule's name: a built-in's, or a custom rule's (letters, digits, `_`, `-`). */
export const RULE_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,62}$';

/**
 * The phases a training attempt's profile tells apart: the worker's (`download`,
 * `training`, `checkpointing`, `upload`) and those the job's code starts with a
 * `#phase <name>` line (linear-learner: `data_loading`, `training`, `evaluation`, `save_model`).
 */
export const PROFILE_PHASES = ['download', 'data_loading', 'training', 'evaluation', 'checkpointing', 'save_model', 'upload'] as const;
