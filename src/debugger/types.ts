/** The wire shapes of the debugger are declared once, in the contracts. */
export type { ProfileAttempt, ProfilePhase, ProfileSample, RuleConfig, RuleStatus, TrainingProfile } from '../contracts/index.js';
export type { BuiltinRuleName, RuleAction, RuleStatusName } from '../contracts/debugger-values.js';
