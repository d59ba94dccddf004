import { afterEach, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../storage/index.js';
import { DebuggerService } from './debugger-service.js';

describe('DebuggerService on a metadata store', () => {
  let metadata: MetadataStore | undefined;
  afterEach(async () => {
    await metadata?.close();
    metadata = undefined;
  });

  it('judges rules as points arrive, runs each action once, and settles the rest at the end', async () => {
    metadata = await openMetadataStore('sqlite::memory:');
    const notified: Array<{ rule: string; status: string }> = [];
    const service = new DebuggerService({ metadata, datasets: { describe: async () => ({}) as never }, notifier: { notify: async (e) => void notified.push(e) } });
    const stops: string[] = [];
    const watch = await service.watch({
      job: 'j1',
      attempt: 1,
      rules: [{ name: 'loss_not_decreasing', action: 'stop', parameters: { num_steps: 3 } }, { name: 'exploding_tensor', action: 'notify' }, { name: 'vanishing_gradient' }],
      datasets: {},
      stop: (reason) => stops.push(reason),
    });
    expect((await service.statuses('j1')).map((r) => r.status)).toEqual(['InProgress', 'InProgress', 'InProgress']);
    watch.phase('download');
    watch.phase('training');
    for (const [i, loss] of [1, 0.8, 0.6, 0.6, 0.6, 0.6, 0.6].entries()) watch.metric('loss', loss, i);
    watch.metric('weight_norm', NaN, 7);
    watch.metric('weight_norm', NaN, 8);
    await watch.end(true);
    await watch.close();
    expect(stops).toEqual([expect.stringMatching(/^Debugger rule loss_not_decreasing found issues: loss did not decrease/)]);
    expect(notified).toEqual([expect.objectContaining({ job: 'j1', attempt: 1, rule: 'exploding_tensor', status: 'IssuesFound' })]);
    const statuses = Object.fromEntries((await service.statuses('j1')).map((r) => [r.name, [r.status, r.action]]));
    // No gradient series: the rule could not judge, and says so.
    expect(statuses).toEqual({ loss_not_decreasing: ['IssuesFound', 'stop'], exploding_tensor: ['IssuesFound', 'notify'], vanishing_gradient: ['Error', 'none'] });
    const profile = await service.profile('j1');
    expect(profile.attempts.map((a) => Object.keys(a.totals))).toEqual([['download', 'training']]);
  });

  it('a job that has not started has no profile', async () => {
    metadata = await openMetadataStore('sqlite::memory:');
    const service = new DebuggerService({ metadata, datasets: { describe: async () => ({}) as never } });
    await expect(service.profile('nope')).rejects.toMatchObject({ code: 'ORCH_DEBUGGER_PROFILE_NOT_FOUND' });
  });
});
