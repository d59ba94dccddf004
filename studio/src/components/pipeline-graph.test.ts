import { describe, expect, it } from 'vitest';
import type { ExecutionStep } from '../api/client';
import { edgePath, layoutGraph } from './pipeline-graph-layout';
import { graphOf, nodeStates, referencedSteps } from './pipeline-graph-model';

const CHURN = {
  parameters: { rounds: { type: 'integer', default: 20 } },
  steps: [
    { name: 'prep', type: 'sql', query: 'select * from raw', output: 'prepared' },
    { name: 'train', type: 'training', algorithm: 'xgboost', train: { Get: 'Steps.prep.dataset' }, hyperParameters: { num_round: { Get: 'Parameters.rounds' } } },
    { name: 'check', type: 'condition', if: { '>=': [{ Get: 'Steps.train.finalMetrics.train:auc' }, 0.8] }, then: ['register'], else: ['stop'] },
    { name: 'register', type: 'register-model', group: 'churn', from: { Get: 'Steps.train' } },
    { name: 'stop', type: 'fail', message: 'AUC below 0.8' },
  ],
};

const NESTED = {
  steps: [
    { name: 'start', type: 'pass' },
    { name: 'fan', type: 'parallel', branches: [[{ name: 'l1', type: 'pass', output: { Get: 'Steps.start.output' } }, { name: 'l2', type: 'pass' }], [{ name: 'r1', type: 'pass' }]] },
    { name: 'each', type: 'for-each', items: [1, 2], steps: [{ name: 'fit', type: 'pass', output: { Get: 'Item' } }, { name: 'save', type: 'pass', dependsOn: ['fit'] }] },
    { name: 'after', type: 'pass', output: { Join: { values: [{ Get: 'Steps.l2.output' }, { Get: 'Steps.fit' }] } }, dependsOn: ['fan'], catch: [{ next: 'rescue' }] },
    { name: 'rescue', type: 'pass' },
  ],
};

const step = (name: string, status: ExecutionStep['status']): ExecutionStep => ({ name, type: 'pass', status, attempts: 1, resource: null, inputs: {}, outputs: {}, failureReason: null, cacheHit: false, startedAt: null, endedAt: null });

describe('pipeline graph', () => {
  it('finds references at any depth, inside Join too', () => {
    expect([...referencedSteps({ a: [{ Get: 'Steps.x.y.z' }], b: { Join: { values: [{ Get: 'Steps.w' }, { Get: 'Parameters.p' }] } } })]).toEqual(['x', 'w']);
  });

  it('draws references, dependsOn, labelled condition branches, catch and branch order', () => {
    const g = graphOf(CHURN);
    expect(g.order).toEqual(['prep', 'train', 'check', 'register', 'stop']);
    expect(g.edges).toEqual([
      { from: 'check', to: 'register', kind: 'then' },
      { from: 'check', to: 'stop', kind: 'else' },
      { from: 'prep', to: 'train', kind: 'ref' },
      { from: 'train', to: 'check', kind: 'ref' },
      { from: 'train', to: 'register', kind: 'ref' },
    ]);
    const n = graphOf(NESTED);
    expect(n.nodes.get('l2')).toMatchObject({ parent: 'fan', branch: 0 });
    expect(n.nodes.get('r1')).toMatchObject({ parent: 'fan', branch: 1 });
    expect(n.nodes.get('fan')!.children).toEqual(['l1', 'l2', 'r1']);
    expect(n.nodes.get('each')!.children).toEqual(['fit', 'save']);
    expect(n.edges).toContainEqual({ from: 'after', to: 'rescue', kind: 'catch' });
    expect(n.edges).toContainEqual({ from: 'l1', to: 'l2', kind: 'next' });
    expect(n.edges).toContainEqual({ from: 'start', to: 'l1', kind: 'ref' });
    expect(n.edges).toContainEqual({ from: 'fit', to: 'save', kind: 'depends' });
    expect(n.edges).toContainEqual({ from: 'fan', to: 'after', kind: 'depends' });
    expect(n.edges).toContainEqual({ from: 'l2', to: 'after', kind: 'ref' });
  });

  it('reads an odd definition without throwing', () => {
    expect(graphOf(null).order).toEqual([]);
    expect(graphOf({ steps: [1, { name: 'a' }, { name: 'b', type: 'pass', dependsOn: ['nope', 'b'] }, { name: 'b', type: 'fail' }] }).order).toEqual(['b']);
  });

  it('lays out layers top to bottom, bodies inside their container, every edge pointing down', () => {
    const g = graphOf(NESTED);
    const { boxes, width, height } = layoutGraph(g);
    const b = (n: string) => boxes.get(n)!;
    expect(b('start').y).toBeLessThan(b('fan').y);
    // The parallel's body is inside its box; its branches side by side, a branch's steps one below the other.
    for (const c of ['l1', 'l2', 'r1']) {
      expect(b(c).x).toBeGreaterThanOrEqual(b('fan').x);
      expect(b(c).x + b(c).w).toBeLessThanOrEqual(b('fan').x + b('fan').w);
      expect(b(c).y).toBeGreaterThan(b('fan').y);
      expect(b(c).y + b(c).h).toBeLessThanOrEqual(b('fan').y + b('fan').h);
    }
    expect(b('l1').y).toBe(b('r1').y);
    expect(b('l2').y).toBeGreaterThan(b('l1').y);
    expect(b('l1').x).toBeLessThan(b('r1').x);
    // A branch is a column.
    expect(b('l2').x).toBe(b('l1').x);
    // `after` needs the parallel and the loop (through `fit`): it sits below both.
    expect(b('after').y).toBeGreaterThanOrEqual(b('fan').y + b('fan').h);
    expect(b('after').y).toBeGreaterThanOrEqual(b('each').y + b('each').h);
    for (const e of g.edges) expect(b(e.to).y, `${e.from} -> ${e.to}`).toBeGreaterThan(b(e.from).y);
    for (const box of boxes.values()) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.w).toBeLessThanOrEqual(width);
      expect(box.y + box.h).toBeLessThanOrEqual(height);
    }
    // Boxes at one level never overlap.
    const top = [...boxes.values()].filter((x) => g.nodes.get(x.name)!.parent === null);
    for (const p of top) for (const q of top) if (p !== q) expect(p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y).toBe(true);
    expect(edgePath(b('start'), b('fan')).d).toMatch(/^M[\d.]+,[\d.]+ C[^C]+$/);
  });

  it('takes an edge that skips a layer around the box in its way', () => {
    const g = graphOf({ steps: [{ name: 'a', type: 'pass' }, { name: 'b', type: 'pass', dependsOn: ['a'] }, { name: 'c', type: 'pass', output: { Get: 'Steps.a.output' }, dependsOn: ['b'] }] });
    const { boxes } = layoutGraph(g);
    const all = [...boxes.values()];
    const [a, b, c] = ['a', 'b', 'c'].map((n) => boxes.get(n)!);
    expect(edgePath(a, b, all).d.match(/C/g)).toHaveLength(1);
    const skip = edgePath(a, c, all);
    expect(skip.d.match(/C/g)).toHaveLength(2);
    expect(skip.mid.x).toBeGreaterThan(b.x + b.w);
    expect(skip.right).toBeGreaterThan(b.x + b.w);
  });

  it("colours nodes by the execution's rows; a for-each body step by its iterations", () => {
    const g = graphOf(NESTED);
    const running = nodeStates(g, [step('start', 'Succeeded'), step('each', 'Executing'), step('each[0].fit', 'Succeeded'), step('each[1].fit', 'Executing')]);
    expect(running.get('start')!.status).toBe('Succeeded');
    expect(running.get('fan')!.status).toBe('Pending');
    expect(running.get('fit')!.status).toBe('Executing');
    expect(running.get('fit')!.rows).toHaveLength(2);
    expect(running.get('save')!.status).toBe('Pending');
    const done = nodeStates(g, [step('each', 'Succeeded'), step('each[0].fit', 'Succeeded'), step('each[1].fit', 'Succeeded'), step('each[0].save', 'Succeeded'), step('each[1].save', 'Failed')]);
    expect(done.get('fit')!.status).toBe('Succeeded');
    expect(done.get('save')!.status).toBe('Failed');
    expect(nodeStates(g, undefined).get('after')!.status).toBe('Pending');
  });
});
