import { describe, expect, it } from 'vitest';
import { CaptureProfile } from './capture-reader.js';
import { checkConstraints, driftThreshold, suggestConstraints, type CheckType } from './constraints.js';
import { FeatureAccumulator, statisticsOf } from './statistics.js';

/** A baseline of 3 features: age (integers), income (fractions), plan (3 categories). */
function baseline() {
  const f = [new FeatureAccumulator('age'), new FeatureAccumulator('income'), new FeatureAccumulator('plan')];
  for (let i = 0; i < 3000; i++) {
    f[0].add(String(20 + (i % 50)));
    f[1].add(((i * 37) % 1000 / 10 + 0.5).toFixed(2));
    f[2].add(['basic', 'plus', 'pro'][i % 3]);
  }
  const stats = statisticsOf(f, 3000);
  return { stats, constraints: suggestConstraints(stats) };
}

function current(rows: string[], stats = baseline().stats) {
  const p = new CaptureProfile(stats.features);
  p.addCsv(rows.join('\n'));
  return p;
}

function normalRows(n: number, map: (i: number, row: string[]) => string[] = (_, r) => r): string[] {
  return Array.from({ length: n }, (_, i) => map(i, [String(20 + ((i * 7) % 50)), (((i * 37) % 1000) / 10 + 0.5).toFixed(2), ['basic', 'plus', 'pro'][i % 3]]).join(','));
}

const types = (v: Array<{ constraint_check_type: CheckType; feature_name: string }>) => v.map((x) => `${x.constraint_check_type}:${x.feature_name}`).sort();

describe('statistics and suggested constraints', () => {
  it('infers types, completeness, sign and small domains in SageMaker shapes', () => {
    const { stats, constraints } = baseline();
    expect(stats.dataset.item_count).toBe(3000);
    const [age, income, plan] = stats.features;
    expect(age.inferred_type).toBe('Integral');
    expect(income.inferred_type).toBe('Fractional');
    expect(plan.inferred_type).toBe('String');
    expect(age.numerical_statistics!.common).toEqual({ num_present: 3000, num_missing: 0 });
    expect(age.numerical_statistics!.min).toBe(20);
    expect(age.numerical_statistics!.max).toBe(69);
    expect(age.numerical_statistics!.mean).toBeCloseTo(44.5, 6);
    expect(age.numerical_statistics!.distribution.kll.buckets).toHaveLength(10);
    expect(age.numerical_statistics!.distribution.kll.sketch.parameters).toEqual({ c: 0.64, k: 2048 });
    expect(plan.string_statistics!.distinct_count).toBe(3);
    expect(plan.string_statistics!.distribution.categorical.buckets).toContainEqual({ value: 'pro', count: 1000 });
    expect(constraints.features[0]).toEqual({ name: 'age', inferred_type: 'Integral', completeness: 1, num_constraints: { is_non_negative: true } });
    expect(constraints.features[2].string_constraints!.domains.sort()).toEqual(['basic', 'plus', 'pro']);
    expect(constraints.monitoring_config.distribution_constraints).toMatchObject({ perform_comparison: 'Enabled', comparison_threshold: 0.1, comparison_method: 'Robust' });
  });

  it('counts blank values as missing and mixed values as String', () => {
    const f = new FeatureAccumulator('x');
    for (const v of ['1', '', ' ', '2.5', 'abc', null]) f.add(v);
    expect(f.present).toBe(3);
    expect(f.missing).toBe(3);
    expect(f.inferredType()).toBe('String');
  });
});

describe('constraint checks', () => {
  it('finds nothing in traffic like the baseline', () => {
    const { stats, constraints } = baseline();
    expect(checkConstraints(stats, constraints, current(normalRows(2000), stats)).violations).toEqual([]);
  });

  it('flags a shifted numeric feature (baseline_drift_check)', () => {
    const { stats, constraints } = baseline();
    const cur = current(normalRows(2000, (i, r) => [String(Number(r[0]) + 20), r[1], r[2]]), stats);
    const { violations, drift } = checkConstraints(stats, constraints, cur);
    expect(types(violations)).toEqual(['baseline_drift_check:age']);
    expect(drift.find((d) => d.feature === 'age')!.distance).toBeGreaterThan(0.3);
  });

  it('flags missing values (completeness_check)', () => {
    const { stats, constraints } = baseline();
    const { violations } = checkConstraints(stats, constraints, current(normalRows(1000, (i, r) => [r[0], i % 4 === 0 ? '' : r[1], r[2]]), stats));
    expect(types(violations)).toEqual(['completeness_check:income']);
  });

  it('flags a new category (categorical_values_check) and its share change (baseline_drift_check)', () => {
    const { stats, constraints } = baseline();
    const { violations } = checkConstraints(stats, constraints, current(normalRows(1000, (i, r) => [r[0], r[1], i % 2 ? 'enterprise' : r[2]]), stats));
    expect(types(violations)).toEqual(['baseline_drift_check:plan', 'categorical_values_check:plan']);
  });

  it('flags text in a numeric feature (data_type_check) past the threshold only', () => {
    const { stats, constraints } = baseline();
    const few = checkConstraints(stats, constraints, current(normalRows(1000, (i, r) => [i % 50 === 0 ? 'n/a' : r[0], r[1], r[2]]), stats));
    expect(types(few.violations)).toEqual([]);
    const many = checkConstraints(stats, constraints, current(normalRows(1000, (i, r) => [i % 3 === 0 ? 'n/a' : r[0], r[1], r[2]]), stats));
    expect(types(many.violations)).toContain('data_type_check:age');
  });

  it('flags fractions in an Integral feature (data_type_check)', () => {
    const { stats, constraints } = baseline();
    const { violations } = checkConstraints(stats, constraints, current(normalRows(1000, (i, r) => [`${r[0]}.5`, r[1], r[2]]), stats));
    expect(types(violations)).toContain('data_type_check:age');
  });

  it('flags missing and extra columns', () => {
    const { stats, constraints } = baseline();
    const short = checkConstraints(stats, constraints, current(normalRows(500, (i, r) => r.slice(0, 2)), stats));
    expect(types(short.violations)).toEqual(['missing_column_check:plan']);
    const long = checkConstraints(stats, constraints, current(normalRows(500, (i, r) => [...r, '7']), stats));
    expect(types(long.violations)).toEqual(['extra_column_check:_c3']);
  });

  it('holds small samples to a higher threshold when Robust', () => {
    expect(driftThreshold('Simple', 0.1, 1000, 20)).toBe(0.1);
    expect(driftThreshold('Robust', 0.1, 1000, 20)).toBeGreaterThan(0.3);
    expect(driftThreshold('Robust', 0.1, 1_000_000, 1_000_000)).toBe(0.1);
  });
});

describe('capture profile', () => {
  it('reads CSV, JSON and base64 capture records and honours the time window', () => {
    const { stats } = baseline();
    const p = new CaptureProfile(stats.features);
    const rec = (data: string, encoding: string, type: string, time: string) =>
      JSON.stringify({ captureData: { endpointInput: { observedContentType: type, mode: 'INPUT', data, encoding }, endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: '1', encoding: 'CSV' } }, eventMetadata: { eventId: 'e', inferenceTime: time }, eventVersion: '0' });
    expect(p.addRecord(rec('30,1.5,basic\n31,2.5,"pro"', 'CSV', 'text/csv', '2026-01-01T00:10:00.000Z'), { since: '2026-01-01T00:00:00.000Z' })).toBe(true);
    p.addRecord(rec(JSON.stringify({ instances: [{ age: 40, income: 3.5, plan: 'plus', extra: 1 }] }), 'JSON', 'application/json', '2026-01-01T00:20:00.000Z'));
    p.addRecord(rec(Buffer.from('50,4.5,basic').toString('base64'), 'BASE64', 'application/octet-stream', '2026-01-01T00:30:00.000Z'));
    expect(p.addRecord(rec('1,1,basic', 'CSV', 'text/csv', '2025-12-31T23:00:00.000Z'), { since: '2026-01-01T00:00:00.000Z' })).toBe(false);
    expect(p.records).toBe(3);
    expect(p.items).toBe(4);
    expect(p.features[0].present).toBe(4);
    expect(p.features[2].values.get('pro')).toBe(1);
    expect([...p.extraColumns]).toEqual([['extra', 1]]);
  });
});
