import { describe, expect, it } from 'vitest';
import { parseDefinition } from './parse.js';
import { EXAMPLE_JSON, fieldsOf, problemsOf } from './test-fixtures.js';

const example = () => JSON.parse(EXAMPLE_JSON) as { parameters: Record<string, unknown>; steps: Array<Record<string, unknown>> };
const pass = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'pass', ...extra });
const messageAt = (def: unknown, field: string) => problemsOf(def).find((p) => p.field === field)?.message;

describe('checking a definition: shape', () => {
  it('reports an unknown step type at its path', () => {
    expect(problemsOf({ steps: [pass('a'), { name: 'b', type: 'lambda' }] })).toEqual([
      { field: 'steps[1].type', code: 'ORCH_PIPELINE_INVALID', message: expect.stringContaining('unknown step type "lambda"') },
    ]);
  });

  it('refuses unknown and missing fields, strictly per type', () => {
    const def = { steps: [{ name: 'prep', type: 'sql', query: 'select 1', colour: 'red' }, { name: 'n', type: 'notify', webhook: 'ops', query: 'x' }] };
    expect(fieldsOf(def)).toEqual(['steps[0].output', 'steps[0].colour', 'steps[1].query']);
    expect(messageAt(def, 'steps[0].colour')).toContain('unknown field for a sql step');
  });

  it('checks nested request fields with their paths (a processing input)', () => {
    const def = { steps: [{ name: 'p', type: 'processing', script: { entryPoint: 'run.py', sourceKey: 'src.tar.gz' }, inputs: [{ name: 'raw', dataset: 'sales', bogus: 1 }], instanceCount: 0 }] };
    expect(fieldsOf(def)).toEqual(['steps[0].inputs[0].bogus', 'steps[0].instanceCount']);
  });

  it('refuses duplicate names, body steps included', () => {
    const def = { steps: [pass('a'), { name: 'loop', type: 'for-each', items: [1, 2], steps: [pass('a')] }, { name: 'par', type: 'parallel', branches: [[pass('loop')]] }] };
    expect(problemsOf(def)).toEqual([
      expect.objectContaining({ field: 'steps[1].steps[0].name', message: expect.stringContaining("duplicate step name 'a' (also steps[0])") }),
      expect.objectContaining({ field: 'steps[2].branches[0][0].name', message: expect.stringContaining("duplicate step name 'loop'") }),
    ]);
  });

  it('refuses a bad name, a wrong schemaVersion and unknown top-level fields', () => {
    expect(fieldsOf({ schemaVersion: 2, name: 'x', steps: [pass('1a')] })).toEqual(['name', 'schemaVersion', 'steps[0].name']);
  });

  it('checks the common fields: retry, catch, cache and timeout', () => {
    const def = {
      steps: [
        pass('a', { retry: [{ errors: ['ORCH_NO_SUCH_CODE'], maxAttempts: 0 }], cache: { enabled: true, expireAfter: '30 days' }, timeoutSeconds: 1.5 }),
        pass('b', { catch: [{ next: 'a', errors: ['*'] }], cache: { enabled: true, expireAfter: 'P30DT1H' } }),
      ],
    };
    expect(fieldsOf(def)).toEqual(['steps[0].retry[0].maxAttempts', 'steps[0].cache.expireAfter', 'steps[0].timeoutSeconds', 'steps[0].retry[0].errors[0]']);
  });

  it('refuses an expression where a value is taken as written', () => {
    expect(messageAt({ steps: [pass('a', { timeoutSeconds: { Get: 'Parameters.t' } })], parameters: { t: { type: 'integer' } } }, 'steps[0].timeoutSeconds')).toContain('not an expression');
  });

  it('a wait takes exactly one of seconds, until and approval', () => {
    expect(fieldsOf({ steps: [{ name: 'w', type: 'wait', seconds: 5, approval: {} }, { name: 'v', type: 'wait', until: 'tomorrow' }] })).toEqual(['steps[0]', 'steps[1].until']);
    expect(parseDefinition({ steps: [{ name: 'w', type: 'wait', approval: { message: 'ok?', role: 'admin' } }] }).steps).toHaveLength(1);
  });

  it("checks a transform step's literal filters now and leaves one built from a parameter for its job", () => {
    const transform = (extra: Record<string, unknown>) => ({ name: 't', type: 'transform', model: 'm', input: 'rows', ...extra });
    const def = { steps: [transform({ inputFilter: '$.features', joinSource: 'Left', outputFilter: '$[2:1]' })] };
    expect(fieldsOf(def)).toEqual(['steps[0].joinSource', 'steps[0].inputFilter', 'steps[0].outputFilter']);
    expect(messageAt(def, 'steps[0].outputFilter')).toContain('the slice 2:1 selects no columns');
    const good = { parameters: { keep: { type: 'string', default: '$[0,-1]' } }, steps: [transform({ inputFilter: '$[1:]', joinSource: 'Input', outputFilter: { Get: 'Parameters.keep' } })] };
    expect(parseDefinition(good).steps[0]).toMatchObject({ inputFilter: '$[1:]', joinSource: 'Input', outputFilter: { Get: 'Parameters.keep' } });
  });

  it('a training step needs data and exactly one of algorithm and script', () => {
    expect(fieldsOf({ steps: [{ name: 't', type: 'training' }] })).toEqual(['steps[0].channels', 'steps[0].algorithm']);
  });
});

describe('checking a definition: references', () => {
  it('reports references to a missing parameter, step and output property', () => {
    const def = example();
    def.steps[1].hyperParameters = { num_round: { Get: 'Parameters.round' }, eta: { Get: 'Steps.nope.x' } };
    def.steps[4].message = { Join: { on: ' ', values: ['AUC', { Get: 'Steps.train.finalMetric' }] } };
    expect(problemsOf(def)).toEqual([
      expect.objectContaining({ field: 'steps[1].hyperParameters.num_round.Get', message: expect.stringContaining("parameter 'round'") }),
      expect.objectContaining({ field: 'steps[1].hyperParameters.eta.Get', message: expect.stringContaining("step 'nope'") }),
      expect.objectContaining({ field: 'steps[4].message.Join.values[1].Get', message: expect.stringContaining("Steps.train has no property 'finalMetric' (it has jobName, modelArtifact, finalMetrics, status)") }),
    ]);
  });

  it('finds no parameter or step in names an object inherits', () => {
    const def = { parameters: { ['__proto__']: { type: 'string' } }, steps: [pass('a', { output: [{ Get: 'Parameters.constructor' }, { Get: 'Steps.toString' }] })] };
    expect(Object.keys(def.parameters)).toEqual(['__proto__']);
    expect(fieldsOf(def)).toEqual([
      'parameters.__proto__',
      'steps[0].output[0].Get',
      'steps[0].output[1].Get',
    ]);
  });

  it('follows any key of a map output and refuses properties below a scalar', () => {
    const ok = example();
    ok.steps[2].if = { '>=': [{ Get: 'Steps.train.finalMetrics.validation:rmse' }, 1] };
    expect(() => parseDefinition(ok)).not.toThrow();
    const bad = example();
    bad.steps[2].if = { '>=': [{ Get: 'Steps.prep.rows.count' }, 1] };
    expect(messageAt(bad, 'steps[2].if.>=[0].Get')).toContain("Steps.prep.rows has no property 'count' (it is an integer)");
  });

  it('refuses Item and Index outside a for-each, and accepts them in its body', () => {
    expect(fieldsOf({ steps: [pass('a', { output: { Get: 'Item.id' } }), pass('b', { output: { Get: 'Index' } })] })).toEqual(['steps[0].output.Get', 'steps[1].output.Get']);
    const inside = { steps: [{ name: 'loop', type: 'for-each', items: [{ id: 1 }], steps: [pass('a', { output: { at: { Get: 'Index' }, id: { Get: 'Item.id' } } })] }] };
    expect(() => parseDefinition(inside)).not.toThrow();
  });

  it('refuses references from outside into a for-each body, and accepts them between its steps', () => {
    const def = {
      steps: [
        { name: 'loop', type: 'for-each', items: [1, 2], steps: [pass('inner'), pass('next', { output: { Get: 'Steps.inner.output' } })] },
        pass('after', { output: { Get: 'Steps.inner.output' }, dependsOn: ['next'] }),
        pass('fine', { output: { Get: 'Steps.loop.results' } }),
      ],
    };
    expect(problemsOf(def)).toEqual([
      expect.objectContaining({ field: 'steps[1].output.Get', message: expect.stringContaining("inside the body of the for-each 'loop'") }),
      expect.objectContaining({ field: 'steps[1].dependsOn[0]', message: expect.stringContaining("inside the body of the for-each 'loop'") }),
    ]);
  });

  it('refuses then / else / catch / dependsOn naming missing steps, and a step gated twice', () => {
    const def = {
      steps: [
        { name: 'c1', type: 'condition', if: true, then: ['x'], else: ['ghost'] },
        { name: 'c2', type: 'condition', if: false, then: ['x'] },
        pass('x', { catch: [{ next: 'nowhere' }], dependsOn: ['missing'] }),
      ],
    };
    expect(problemsOf(def)).toEqual([
      expect.objectContaining({ field: 'steps[0].else[0]', message: expect.stringContaining("names the step 'ghost', which the definition does not have") }),
      expect.objectContaining({ field: 'steps[1].then[0]', message: expect.stringContaining("'x' is already gated by steps[0].then[0]") }),
      expect.objectContaining({ field: 'steps[2].catch[0].next', message: expect.stringContaining("names the step 'nowhere'") }),
      expect.objectContaining({ field: 'steps[2].dependsOn[0]', message: expect.stringContaining("names the step 'missing'") }),
    ]);
  });

  it('refuses a branch or catch target at another level', () => {
    const def = { steps: [{ name: 'c', type: 'condition', if: true, then: ['inner'] }, { name: 'par', type: 'parallel', branches: [[pass('inner')]] }] };
    expect(messageAt(def, 'steps[0].then[0]')).toContain('not at the same level');
  });
});

describe('checking a definition: cycles', () => {
  it('names the steps of a cycle through references and dependsOn', () => {
    const def = { steps: [pass('a', { output: { Get: 'Steps.c.output' } }), pass('b', { dependsOn: ['a'] }), pass('c', { output: { Get: 'Steps.b' } })] };
    expect(problemsOf(def)).toEqual([expect.objectContaining({ field: 'steps[0]', message: expect.stringContaining('a -> b -> c -> a form a cycle') })]);
  });

  it('finds cycles through condition branches and catch', () => {
    const viaCondition = { steps: [{ name: 'check', type: 'condition', if: { Get: 'Steps.flag.output' }, then: ['flag'] }, pass('flag', { output: true })] };
    expect(problemsOf(viaCondition)).toEqual([expect.objectContaining({ message: expect.stringContaining('check -> flag -> check') })]);
    const viaCatch = { steps: [pass('a', { catch: [{ next: 'b' }] }), pass('b', { output: 1 }), pass('c', { dependsOn: ['b'], catch: [{ next: 'a' }] })] };
    expect(problemsOf(viaCatch)).toEqual([expect.objectContaining({ message: expect.stringContaining('a -> b -> c -> a') })]);
  });

  it('refuses a step referring to itself or to the container that holds it', () => {
    const def = { steps: [pass('self', { output: { Get: 'Steps.self.output' } }), { name: 'par', type: 'parallel', branches: [[pass('inner', { output: { Get: 'Steps.par.branches' } })]] }] };
    expect(problemsOf(def).map((p) => p.field)).toEqual(['steps[0].output.Get', 'steps[1].branches[0][0].output.Get']);
  });
});

describe('checking a definition: types', () => {
  it('refuses a reference whose type does not fit the field', () => {
    const def = example();
    def.steps[1].train = { Get: 'Steps.prep.rows' };
    def.steps[3].from = { Get: 'Steps.prep' };
    expect(problemsOf(def)).toEqual([
      expect.objectContaining({ field: 'steps[1].train', message: 'steps[1].train: expects a string, and Steps.prep.rows is an integer' }),
      expect.objectContaining({ field: 'steps[3].from', message: expect.stringContaining('a string or a whole training / tuning / create-model step, and Steps.prep is a whole step (step:sql)') }),
    ]);
  });

  it('accepts a whole step where the field takes one, a list parameter where a list is, an integer where a number is', () => {
    const def = {
      parameters: { qs: { type: 'list', default: [0.1, 0.5] }, h: { type: 'integer', default: 7 } },
      steps: [
        { name: 'p', type: 'forecast-predictor', group: 'g', horizon: { Get: 'Parameters.h' }, quantiles: { Get: 'Parameters.qs' } },
        { name: 'check', type: 'condition', if: { and: [{ '<': [{ Get: 'Steps.p.metrics.wQL' }, { Get: 'Parameters.h' }] }, { not: { in: ['x', { Get: 'Parameters.qs' }] } }] }, then: ['f'] },
        { name: 'f', type: 'forecast', predictor: { Get: 'Steps.p.predictor' } },
        { name: 'm', type: 'create-model', from: 'job-1' },
      ],
    };
    expect(parseDefinition(def).steps).toHaveLength(4);
  });

  it('refuses comparisons of mismatched operands', () => {
    const def = {
      steps: [
        { name: 's', type: 'sql', query: 'q', output: 'o' },
        { name: 'c', type: 'condition', if: { or: [{ '>': [{ Get: 'Steps.s.dataset' }, 3] }, { '==': [{ Get: 'Steps.s.rows' }, 'many'] }, { in: [1, 2] }, { Get: 'Steps.s.datasetName' }, { xor: [] }] }, then: [] },
      ],
    };
    expect(problemsOf(def).map((p) => p.message)).toEqual([
      "steps[1].if.or[0].>[0]: '>' compares numbers, and Steps.s.dataset is a string",
      `steps[1].if.or[1].==: '==' compares Steps.s.rows (an integer) with "many" (a string)`,
      "steps[1].if.or[2].in[1]: 'in' needs a list as its second operand, and 2 is an integer",
      'steps[1].if.or[3]: a condition must be a boolean, and Steps.s.datasetName is a string',
      expect.stringContaining("steps[1].if.or[4]: unknown operator 'xor'"),
    ]);
  });

  it("checks parameters' defaults and enums against their type", () => {
    const def = {
      parameters: { rounds: { type: 'integer', default: '20' }, mode: { type: 'string', enum: ['a', 1], default: 'c' }, x: { type: 'date' }, 'bad name': { type: 'string' } },
      steps: [pass('a')],
    };
    expect(fieldsOf(def)).toEqual(['parameters.rounds.default', 'parameters.mode.enum[1]', 'parameters.mode.default', 'parameters.x.type', 'parameters.bad name']);
  });

  it('lists every problem of a definition with several', () => {
    const def = example();
    def.steps[0].query = 42;
    def.steps[2].then = ['registr'];
    def.steps.push({ name: 'stop', type: 'fail', message: 'again' });
    def.parameters.rounds = { type: 'integer', default: 2.5 };
    const problems = problemsOf(def);
    expect(problems.map((p) => p.field)).toEqual(['parameters.rounds.default', 'steps[5].name', 'steps[0].query', 'steps[2].then[0]']);
    expect(problems.every((p) => p.code === 'ORCH_PIPELINE_INVALID')).toBe(true);
  });
});

describe('checking a definition: odd values anywhere', () => {
  it('answers ORCH_PIPELINE_INVALID, never another error, whatever value replaces any node of a definition', () => {
    const base = example();
    base.steps.push(
      { name: 'par', type: 'parallel', branches: [[pass('a')]] },
      { name: 'loop', type: 'for-each', items: [1], steps: [pass('b', { output: { Get: 'Item' } })] },
    );
    base.steps[3].catch = [{ next: 'stop' }];
    const odd: unknown[] = [null, 1, 'x', [], {}, true, { Get: 5 }, { Get: 'Steps.' }, { Join: 'x' }, { Join: { values: 'x' } }, [[]], [null], { '>=': null }, { not: null }];
    const nodes = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
      v !== null && typeof v === 'object' ? [at, ...Object.entries(v).flatMap(([k, c]) => nodes(c, [...at, Array.isArray(v) ? Number(k) : k]))] : [at];
    let refused = 0;
    for (const at of nodes(base).filter((p) => p.length > 0)) {
      for (const value of odd) {
        const def = structuredClone(base) as unknown as Record<string | number, unknown>;
        let parent = def;
        for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        parent[at[at.length - 1]] = structuredClone(value);
        try {
          parseDefinition(def);
        } catch (err) {
          expect((err as { code?: string }).code, `${at.join('.')} = ${JSON.stringify(value)}`).toBe('ORCH_PIPELINE_INVALID');
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(500);
  });
});
