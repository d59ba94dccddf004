import { RULE_EVENT } from '../contracts/debugger-values.js';
import type { RuleNotifier } from './debugger-service.js';

/** The part of the webhooks capability a rule's `notify` needs. */
export interface RuleWebhooks {
  list(filter?: { limit?: number; offset?: number }): Promise<{ items: Array<{ name: string; enabled: boolean; events: string[] | null }> }>;
  deliver(request: { webhook: string; event: string; payload?: unknown; source?: string; idempotencyKey?: string }): Promise<unknown>;
}

/**
 * `notify`: a `training.rule` delivery to every enabled webhook that takes the event
 * (signed, address-checked and retried as every webhook delivery is). The key makes a
 * repeated notification of the same attempt and rule one delivery.
 */
export function webhookRuleNotifier(webhooks: RuleWebhooks, takesEvent: (events: readonly string[] | null, event: string) => boolean): RuleNotifier {
  return {
    async notify(event) {
      const { items } = await webhooks.list({ limit: 1000 });
      for (const w of items) {
        if (!w.enabled || !takesEvent(w.events, RULE_EVENT)) continue;
        await webhooks.deliver({ webhook: w.name, event: RULE_EVENT, payload: event, source: `training-jobs/${event.job}`, idempotencyKey: `${event.job}/${event.attempt}/${event.rule}` });
      }
    },
  };
}
