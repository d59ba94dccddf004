import { describe, expect, it } from 'vitest';
import { extent, linearScale, niceStep } from './scale';

describe('chart scales', () => {
  it('picks 1-2-5 steps', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.9, 5)).toBe(0.2);
    expect(niceStep(4500, 5)).toBe(1000);
  });

  it('widens to nice bounds and maps the domain onto the range', () => {
    const s = linearScale(0.13, 0.97, 0, 100);
    expect(s.domain).toEqual([0, 1]);
    expect(s.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(s(0.5)).toBeCloseTo(50);
  });

  it('keeps whole-number ticks for whole-number axes', () => {
    expect(linearScale(0, 2, 0, 100, { integer: true }).ticks).toEqual([0, 1, 2]);
  });

  it('gives a constant series some room instead of dividing by zero', () => {
    const s = linearScale(3, 3, 0, 100);
    expect(s.domain[0]).toBeLessThan(3);
    expect(s.domain[1]).toBeGreaterThan(3);
    expect(Number.isFinite(s(3))).toBe(true);
  });

  it('ignores non-finite values in an extent', () => {
    expect(extent([NaN, 2, Infinity, -1])).toEqual([-1, 2]);
    expect(extent([])).toEqual([0, 1]);
  });
});
