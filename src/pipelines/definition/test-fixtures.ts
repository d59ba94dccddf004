/** Definitions and helpers the definition tests share. */
import { OrchardError } from '../../core/errors.js';
import { parseDefinition } from './parse.js';

/** The example, as written there. */
export const EXAMPLE_JSON = `{"schemaVersion": 1, "description": "churn model",
 "parameters": {"rounds": {"type": "integer", "default": 20}},
 "steps": [
  {"name": "prep", "type": "sql", "query": "select * from raw", "output": "prepared"},
  {"name": "train", "type": "training", "algorithm": "xgboost", "train": {"Get": "Steps.prep.dataset"},
   "hyperParameters": {"objective": "binary:logistic", "num_round": {"Get": "Parameters.rounds"}}},
  {"name": "check", "type": "condition",
   "if": {">=": [{"Get": "Steps.train.finalMetrics.train:auc"}, 0.8]}, "then": ["register"], "else": ["stop"]},
  {"name": "register", "type": "register-model", "group": "churn", "from": {"Get": "Steps.train"}},
  {"name": "stop", "type": "fail", "message": "AUC below 0.8"}]}`;

export interface Problem {
  field: string;
  code: string;
  message: string;
}

/** The problems of a definition that must be refused. */
export function problemsOf(def: unknown): Problem[] {
  try {
    parseDefinition(def);
  } catch (err) {
    if (!(err instanceof OrchardError) || err.code !== 'ORCH_PIPELINE_INVALID') throw err;
    return (err.details as { errors: Problem[] }).errors;
  }
  throw new Error('expected the definition to be refused');
}

/** The fields of the problems of a definition that must be refused. */
export const fieldsOf = (def: unknown): string[] => problemsOf(def).map((p) => p.field);

/** The OrchardError `fn` throws (a test fails when it throws none or another kind). */
export function failure(fn: () => unknown): OrchardError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OrchardError) return err;
    throw err;
  }
  throw new Error('expected an error');
}
