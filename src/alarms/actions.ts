/**
 * An alarm's actions: `webhook:NAME`, `pipeline:NAME[?k=v&…]` and `stop-training:JOB`,
 * parsed and checked when the alarm is made, run once per transition. Each run is
 * repeatable: a transition whose actions a crash interrupted is finished by the next
 * evaluation, and finds what the first attempt made (the webhook delivery by its
 * idempotency key, the pipeline execution by the firing id in its trigger).
 */
import { isOrchardError, type RequestProblem } from '../core/index.js';
import { ALARM_ACTION_KINDS, ALARM_EVENT, type AlarmActionKind } from '../contracts/alarm-values.js';
import { NAME_PATTERN, TERMINAL_JOB_STATUSES } from '../contracts/values.js';
import type { AlarmActionResult } from '../contracts/index.js';
import { takesEvent } from '../webhooks/index.js';
import type { AlarmPorts } from './ports.js';

const NAME = new RegExp(NAME_PATTERN);

export interface ParsedAction {
  kind: AlarmActionKind;
  target: string;
  /** `pipeline:` only: the parameters after `?`, as text (typed by the pipeline's definition). */
  parameters?: Record<string, string>;
}

/** Parses `kind:TARGET[?k=v&…]`; a string is the problem. */
export function parseAction(text: string): ParsedAction | string {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  if (!(ALARM_ACTION_KINDS as readonly string[]).includes(kind)) return `'${text.slice(0, 100)}' is not an action: write ${ALARM_ACTION_KINDS.map((k) => `${k}:NAME`).join(', ')}`;
  const rest = text.slice(colon + 1);
  const q = rest.indexOf('?');
  const target = q < 0 ? rest : rest.slice(0, q);
  if (!NAME.test(target) || target.length > 63) return `'${target.slice(0, 100)}' is not a valid name in action '${text.slice(0, 100)}'`;
  if (q < 0) return { kind: kind as AlarmActionKind, target };
  if (kind !== 'pipeline') return `Only pipeline actions take parameters ('${text.slice(0, 100)}')`;
  const parameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) {
    if (!k) return `An empty parameter name in action '${text.slice(0, 100)}'`;
    parameters[k] = v;
  }
  return { kind: 'pipeline', target, parameters };
}

/** Every problem of a list of actions (`field` is e.g. `actions[1]`): unparsable, or naming what does not exist. */
export async function actionProblems(field: string, actions: readonly string[], ports: AlarmPorts): Promise<RequestProblem[]> {
  const problems: RequestProblem[] = [];
  const problem = (i: number, message: string) => problems.push({ field: `${field}[${i}]`, code: 'ORCH_ALARM_INVALID', message });
  await Promise.all(
    actions.map(async (text, i) => {
      const parsed = parseAction(String(text));
      if (typeof parsed === 'string') return problem(i, parsed);
      try {
        if (parsed.kind === 'webhook') {
          const webhook = await ports.webhooks.describe(parsed.target);
          if (!takesEvent(webhook.events, ALARM_EVENT)) problem(i, `Webhook '${webhook.name}' does not take event '${ALARM_EVENT}' (it takes ${webhook.events!.join(', ')})`);
        } else if (parsed.kind === 'pipeline') {
          await ports.pipelines.describe(parsed.target);
        } else {
          await ports.training.describe(parsed.target);
        }
      } catch (err) {
        if (!isOrchardError(err) || !err.code.endsWith('_NOT_FOUND')) throw err;
        const what = parsed.kind === 'webhook' ? 'webhook' : parsed.kind === 'pipeline' ? 'pipeline' : 'training job';
        problem(i, `No ${what} '${parsed.target}' (action '${text}')`);
      }
    }),
  );
  return problems;
}

/** What a transition tells its actions: the webhook payload, and the pipeline's trigger. */
export interface TransitionContext {
  alarm: string;
  transition: string;
  /** The webhook event's payload. */
  payload: Record<string, unknown>;
  createdBy: string | null;
}

/**
 * Runs one action of a transition; answers its result. An error with an Orchard code (a
 * deleted webhook, a refused parameter) fails the action, recorded on the transition;
 * any other error (the metadata store away) is thrown, and the action stays Pending.
 */
export async function runAction(text: string, index: number, ctx: TransitionContext, ports: AlarmPorts): Promise<AlarmActionResult> {
  const parsed = parseAction(text);
  if (typeof parsed === 'string') return { action: text, status: 'Failed', resource: null, error: parsed };
  const firing = `${ctx.transition}.${index}`;
  try {
    switch (parsed.kind) {
      case 'webhook': {
        const made = await ports.webhooks.deliver({ webhook: parsed.target, event: ALARM_EVENT, payload: ctx.payload, source: `alarm:${ctx.alarm}`, idempotencyKey: `alarm/${ctx.alarm}/${firing}` });
        return { action: text, status: 'Done', resource: made.deliveryId, error: null };
      }
      case 'pipeline': {
        // Started by an earlier attempt that crashed before recording it: found by its firing id.
        const { items } = await ports.pipelines.executions({ pipeline: parsed.target, limit: 100 });
        const earlier = items.find((e) => e.trigger.kind === 'alarm' && e.trigger.firing === firing);
        const execution =
          earlier ??
          (await ports.pipelines.start(parsed.target, {
            parameters: parsed.parameters,
            fromStrings: true,
            trigger: { kind: 'alarm', name: ctx.alarm, state: ctx.payload.state, firing },
            createdBy: ctx.createdBy ?? undefined,
          }));
        return { action: text, status: 'Done', resource: execution.id, error: null };
      }
      case 'stop-training': {
        const job = await ports.training.describe(parsed.target);
        if ((TERMINAL_JOB_STATUSES as readonly string[]).includes(job.status)) return { action: text, status: 'Done', resource: parsed.target, error: `The job had already ended (${job.status})` };
        await ports.training.stop(parsed.target);
        return { action: text, status: 'Done', resource: parsed.target, error: null };
      }
    }
  } catch (err) {
    if (!isOrchardError(err) || err.code === 'ORCH_METADATA_UNAVAILABLE') throw err;
    return { action: text, status: 'Failed', resource: null, error: `${err.code}: ${err.message}` };
  }
}
