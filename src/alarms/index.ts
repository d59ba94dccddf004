/**
 * Alarms (CloudWatch alarms' model): a threshold on a stored metric over N of M periods,
 * evaluated by a loop in `orchard up`, with actions run once per transition.
 */
export { AlarmService } from './alarm-service.js';
export { AlarmStore } from './alarm-store.js';
export { AlarmEvaluator } from './alarm-evaluator.js';
export type { AlarmEvaluatorOptions } from './alarm-evaluator.js';
export type { AlarmPorts } from './ports.js';
export { evaluateAlarm, evaluationWindow, slotDatapoints } from './evaluate.js';
export type { AlarmRule, Evaluation } from './evaluate.js';
export { parseAction } from './actions.js';
/** The wire shapes of alarms are declared once, in the contracts. */
export type { Alarm, AlarmFilter, AlarmTransition, CreateAlarmInput } from '../contracts/index.js';
