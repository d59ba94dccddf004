import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../definition/index.js';
import { checkMapping, mapParameters, parseEvery } from './mapping.js';

const def = {
  parameters: { dataset: { type: 'string' }, rounds: { type: 'integer', default: 20 }, version: { type: 'integer', default: 0 }, region: { type: 'string', enum: ['eu', 'us'], default: 'eu' } },
  steps: [{ name: 'echo', type: 'pass', output: { Get: 'Parameters.dataset' } }],
} as unknown as PipelineDefinition;

function refusal(fn: () => void): { code?: string; message: string; details?: { errors?: Array<{ field: string; code: string }> } } {
  try {
    fn();
  } catch (err) {
    return err as never;
  }
  throw new Error('accepted');
}

describe('trigger parameter mapping', () => {
  it('accepts declared parameters: fixed values of their type and fields of the event', () => {
    expect(() => checkMapping(def, 'dataset', { rounds: '50', region: 'us' }, { dataset: 'dataset', version: 'version' })).not.toThrow();
    expect(() => checkMapping(def, 'registry', { rounds: 7 }, { dataset: 'package' })).not.toThrow();
  });

  it('refuses parameters the pipeline does not declare, each listed', () => {
    const err = refusal(() => checkMapping(def, 'dataset', { nope: '1' }, { other: 'dataset' }));
    expect(err.code).toBe('ORCH_PIPELINE_PARAMETER_INVALID');
    expect(err.details?.errors?.map((e) => e.field)).toEqual(['parameters.nope', 'map.other']);
    expect(err.message).toContain('it has dataset, rounds, version, region');
  });

  it("refuses a field the kind's event does not have, and a parameter both fixed and mapped", () => {
    const err = refusal(() => checkMapping(def, 'schedule', { dataset: 'x' }, { dataset: 'dataset' }));
    expect(err.code).toBe('ORCH_TRIGGER_INVALID');
    expect(err.details?.errors?.map((e) => e.field)).toEqual(['map.dataset', 'map.dataset']);
    expect(err.message).toContain("has no field 'dataset'");
  });

  it('refuses a fixed value of the wrong type or outside the enum', () => {
    expect(refusal(() => checkMapping(def, 'dataset', { rounds: 'many' }, {})).code).toBe('ORCH_PIPELINE_PARAMETER_INVALID');
    expect(refusal(() => checkMapping(def, 'dataset', { region: 'asia' }, {})).code).toBe('ORCH_PIPELINE_PARAMETER_INVALID');
  });

  it('maps event fields over fixed values, as text for start to type', () => {
    const event = { dataset: 'sales@3', name: 'sales', version: 3, extra: { a: 1 } };
    expect(mapParameters({ rounds: '50' }, { dataset: 'dataset', version: 'version' }, event)).toEqual({ rounds: '50', dataset: 'sales@3', version: '3' });
    expect(mapParameters({}, { dataset: 'extra' }, event)).toEqual({ dataset: '{"a":1}' });
    // A field the event lacks leaves the parameter to its default.
    expect(mapParameters({}, { dataset: 'run' }, event)).toEqual({});
  });

  it('reads intervals of seconds, minutes, hours and days, at least 10 s', () => {
    expect(parseEvery('5m')).toBe(300_000);
    expect(parseEvery('30s')).toBe(30_000);
    expect(parseEvery('2h')).toBe(7_200_000);
    expect(parseEvery('1d')).toBe(86_400_000);
    for (const bad of ['5', '1s', '5 minutes', '-1m', '1.5h', '']) expect(() => parseEvery(bad)).toThrow(/Invalid interval/);
  });
});
