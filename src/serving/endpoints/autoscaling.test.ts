import { describe, expect, it } from 'vitest';
import { targetInstances } from './autoscaling.js';

const policy = { minInstances: 1, maxInstances: 4, targetInvocationsPerInstance: 100, scaleInCooldownS: 300, scaleOutCooldownS: 60 };
const t0 = 1_000_000_000;

describe('target tracking on invocations per instance', () => {
  it('scales out to ceil(rate / target) within the bounds, once the scale-out cooldown has passed', () => {
    const h = { lastScaleOut: t0, lastScaleIn: t0 };
    expect(targetInstances(policy, 1, 250, h, t0 + 30_000)).toBeNull();
    expect(targetInstances(policy, 1, 250, h, t0 + 60_000)).toBe(3);
    expect(targetInstances(policy, 1, 10_000, h, t0 + 60_000)).toBe(4);
    expect(targetInstances(policy, 3, 250, h, t0 + 60_000)).toBeNull();
  });

  it('scales in after the scale-in cooldown since the last scaling of either kind', () => {
    expect(targetInstances(policy, 3, 50, { lastScaleOut: t0, lastScaleIn: t0 - 1e9 }, t0 + 200_000)).toBeNull();
    expect(targetInstances(policy, 3, 50, { lastScaleOut: t0, lastScaleIn: t0 - 1e9 }, t0 + 300_000)).toBe(1);
    expect(targetInstances(policy, 3, 0, { lastScaleOut: t0 - 1e9, lastScaleIn: t0 - 1e9 }, t0)).toBe(1);
  });

  it('moves a count outside the bounds to the bound at once', () => {
    const h = { lastScaleOut: t0, lastScaleIn: t0 };
    expect(targetInstances({ ...policy, minInstances: 2 }, 1, 0, h, t0)).toBe(2);
    expect(targetInstances({ ...policy, maxInstances: 2 }, 5, 10_000, h, t0)).toBe(2);
  });
});
