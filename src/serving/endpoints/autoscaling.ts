import type { AutoscalingPolicy } from './types.js';

/** When a variant last scaled (ms since the epoch); its creation counts as both. */
export interface ScalingHistory {
  lastScaleOut: number;
  lastScaleIn: number;
}

/**
 * Target tracking on invocations per instance per minute (SageMaker's
 * SageMakerVariantInvocationsPerInstance): the count that would bring the metric to the
 * target, `ceil(invocations per minute / target)`, within [min, max]. Scale-out waits
 * out the scale-out cooldown since the last scale-out; scale-in waits out the scale-in
 * cooldown since the last scaling of either kind, so capacity just added is not taken
 * away by a lull. A count outside [min, max] moves to the bound at once. Returns the new count, or null to stay.
 */
export function targetInstances(policy: AutoscalingPolicy, current: number, invocationsPerMinute: number, history: ScalingHistory, now: number): number | null {
  // Bounds apply at once (a policy just set, or changed), cooldowns aside.
  if (current < policy.minInstances) return policy.minInstances;
  if (current > policy.maxInstances) return policy.maxInstances;
  const wanted = Math.min(policy.maxInstances, Math.max(policy.minInstances, Math.ceil(invocationsPerMinute / policy.targetInvocationsPerInstance)));
  if (wanted > current) {
    return now - history.lastScaleOut >= policy.scaleOutCooldownS * 1000 ? wanted : null;
  }
  if (wanted < current) {
    const since = Math.max(history.lastScaleIn, history.lastScaleOut);
    return now - since >= policy.scaleInCooldownS * 1000 ? wanted : null;
  }
  return null;
}
