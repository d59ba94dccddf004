import { describe, expect, it } from 'vitest';
import { parseDefinition } from './parse.js';
import { compilePlan } from './plan.js';
import { EXAMPLE_JSON } from './test-fixtures.js';

const pass = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'pass', ...extra });
const planOf = (def: unknown) => compilePlan(parseDefinition(def));
const view = (def: unknown) => Object.fromEntries([...planOf(def).steps.values()].map((s) => [s.name, { deps: s.deps, gates: s.gates, parent: s.parent, children: s.children }]));

describe('compilePlan', () => {
  it("gates a condition's then and else steps, which depend on it", () => {
    const plan = planOf(EXAMPLE_JSON);
    expect(plan.order).toEqual(['prep', 'train', 'check', 'register', 'stop']);
    expect(plan.steps.get('train')).toMatchObject({ deps: ['prep'], gates: [], parent: null, children: [] });
    expect(plan.steps.get('check')).toMatchObject({ deps: ['train'], gates: [] });
    expect(plan.steps.get('register')).toMatchObject({ deps: ['train', 'check'], gates: [{ step: 'check', when: 'then' }] });
    expect(plan.steps.get('stop')).toMatchObject({ deps: ['check'], gates: [{ step: 'check', when: 'else' }] });
  });

  it('gates a catch target on the step that catches, and takes dependsOn', () => {
    const v = view({ steps: [pass('fallback'), pass('risky', { catch: [{ errors: ['*'], next: 'fallback' }] }), pass('after', { dependsOn: ['risky'] })] });
    expect(v.fallback).toMatchObject({ deps: ['risky'], gates: [{ step: 'risky', when: 'caught' }] });
    expect(v.after.deps).toEqual(['risky']);
    expect(planOf({ steps: [pass('fallback'), pass('risky', { catch: [{ next: 'fallback' }] })] }).order).toEqual(['risky', 'fallback']);
  });

  it("chains a parallel's branches, their first steps on the parallel's own deps", () => {
    const def = {
      steps: [
        pass('start'),
        pass('outer'),
        {
          name: 'par',
          type: 'parallel',
          dependsOn: ['start'],
          branches: [[pass('a1'), pass('a2')], [pass('b1', { output: { Get: 'Steps.outer.output' } })]],
        },
        pass('end', { output: { Get: 'Steps.a2.output' } }),
      ],
    };
    const v = view(def);
    expect(v.par).toEqual({ deps: ['start', 'outer'], gates: [], parent: null, children: ['a1', 'a2', 'b1'] });
    expect(v.a1).toEqual({ deps: ['start', 'outer'], gates: [], parent: 'par', children: [] });
    expect(v.a2.deps).toEqual(['a1']);
    expect(v.b1.deps).toEqual(['start', 'outer']);
    expect(v.end.deps).toEqual(['a2']);
    const order = planOf(def).order;
    expect(order.indexOf('par')).toBeLessThan(order.indexOf('a1'));
    expect(order.indexOf('a1')).toBeLessThan(order.indexOf('a2'));
  });

  it("keeps a for-each body's deps among its steps and lifts outer references to the for-each", () => {
    const def = {
      parameters: { regions: { type: 'list', default: ['eu', 'us'] } },
      steps: [
        { name: 'prep', type: 'sql', query: 'select 1', output: 'o' },
        {
          name: 'loop',
          type: 'for-each',
          items: { Get: 'Parameters.regions' },
          maxConcurrency: 2,
          steps: [
            { name: 'q', type: 'sql', query: { Join: { on: ' ', values: ['select * from', { Get: 'Steps.prep.datasetName' }, 'where region =', { Get: 'Item' }] } }, output: { Join: { on: '-', values: ['out', { Get: 'Index' }] } } },
            { name: 'ok', type: 'condition', if: { '>': [{ Get: 'Steps.q.rows' }, 0] }, then: ['note'] },
            pass('note', { output: { Get: 'Steps.q.dataset' } }),
          ],
        },
        pass('after', { output: { Get: 'Steps.loop.results' } }),
      ],
    };
    const v = view(def);
    expect(v.loop).toEqual({ deps: ['prep'], gates: [], parent: null, children: ['q', 'ok', 'note'] });
    expect(v.q).toEqual({ deps: [], gates: [], parent: 'loop', children: [] });
    expect(v.ok.deps).toEqual(['q']);
    expect(v.note).toEqual({ deps: ['q', 'ok'], gates: [{ step: 'ok', when: 'then' }], parent: 'loop', children: [] });
    expect(v.after.deps).toEqual(['loop']);
    expect(planOf(def).order).toEqual(['prep', 'loop', 'q', 'ok', 'note', 'after']);
  });

  it('lifts a nested body\'s outer references to the for-each, and its sibling references to the parallel', () => {
    const v = view({
      steps: [
        pass('x'),
        {
          name: 'fe',
          type: 'for-each',
          items: [1, 2],
          steps: [pass('first'), { name: 'par', type: 'parallel', branches: [[pass('c1', { output: { Get: 'Steps.x.output' } }), pass('c2', { output: { Get: 'Steps.first.output' } })]] }],
        },
      ],
    });
    expect(v.fe).toMatchObject({ deps: ['x'], children: ['first', 'par'] });
    expect(v.par).toMatchObject({ deps: ['first'], parent: 'fe', children: ['c1', 'c2'] });
    expect(v.c1.deps).toEqual(['first']);
    expect(v.c2.deps).toEqual(['first', 'c1']);
  });

  it('orders steps written after the ones they need', () => {
    const plan = planOf({ steps: [pass('late', { output: { Get: 'Steps.early.output' } }), pass('early')] });
    expect(plan.order).toEqual(['early', 'late']);
  });
});
