import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../../test/support/metadata.js';
import type { MetadataStore } from '../../storage/index.js';
import { PipelineService } from '../pipeline-service.js';
import { PipelineStore } from '../pipeline-store.js';
import type { TriggerPorts } from './ports.js';
import { readState } from './state.js';
import { TriggerService } from './trigger-service.js';
import { TriggerStore } from './trigger-store.js';
import { TriggerWatcher, firingId } from './trigger-watcher.js';

const DEFINITION = {
  parameters: { when: { type: 'string', default: 'never' }, team: { type: 'string', default: 'none' } },
  steps: [{ name: 'echo', type: 'pass', output: { Get: 'Parameters.when' } }],
};

/** Schedule triggers read no other capability: those ports refuse to be called. */
const unused = (): never => {
  throw new Error('not used by schedule triggers');
};

describe.each(metadataTargets)('the trigger watcher on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let pipelines: PipelineService;
  let store: TriggerStore;
  let service: TriggerService;
  let now: Date;
  let leading: boolean;
  let watcher: TriggerWatcher;

  beforeEach(async () => {
    ({ store: metadata, cleanup } = await target.open());
    pipelines = new PipelineService(new PipelineStore(metadata));
    await pipelines.create({ name: 'nightly', definition: DEFINITION });
    store = new TriggerStore(metadata);
    const ports: TriggerPorts = { pipelines, datasets: { versions: unused }, crawlers: { describe: unused, startRun: unused }, packages: { group: unused, versions: unused } };
    now = new Date('2026-10-24T21:59:30Z');
    leading = true;
    const clock = () => now;
    service = new TriggerService(store, ports, clock);
    watcher = new TriggerWatcher(store, ports, { leading: () => leading, clock });
  });
  afterEach(() => cleanup());

  const executions = async () => (await pipelines.executions({ pipeline: 'nightly' })).items;

  it('fires a schedule once per due time, with the event mapped to parameters, only while leading', async () => {
    // Midnight in Paris (CEST) is 22:00Z.
    const t = await service.create({ name: 'at-midnight', pipeline: 'nightly', kind: 'schedule', cron: '0 0 * * *', timezone: 'Europe/Paris', parameters: { team: 'ops' }, map: { when: 'scheduledAt' } });
    expect(t.nextFireAt).toBe('2026-10-24T22:00:00.000Z');
    await watcher.checkAll();
    expect(await executions()).toHaveLength(0);

    now = new Date('2026-10-24T22:00:01Z');
    leading = false;
    await watcher.checkAll();
    expect(await executions()).toHaveLength(0);

    leading = true;
    await watcher.checkAll();
    await watcher.checkAll();
    const [e, ...more] = await executions();
    expect(more).toHaveLength(0);
    expect(e.parameters).toEqual({ when: '2026-10-24T22:00:00.000Z', team: 'ops' });
    expect(e.trigger).toMatchObject({ kind: 'schedule', name: 'at-midnight', event: { scheduledAt: '2026-10-24T22:00:00.000Z', cron: '0 0 * * *', timezone: 'Europe/Paris' } });
    const after = await service.describe('at-midnight');
    expect(after.lastFired).toMatchObject({ execution: e.id, event: { scheduledAt: '2026-10-24T22:00:00.000Z' } });
    // The next midnight is in winter time (CET): 23:00Z.
    expect(after.nextFireAt).toBe('2026-10-25T23:00:00.000Z');
  });

  it('after a long pause fires once for the times missed, then follows the schedule', async () => {
    await service.create({ name: 'hourly', pipeline: 'nightly', kind: 'schedule', cron: '0 * * * *' });
    now = new Date('2026-10-25T03:30:00Z');
    await watcher.checkAll();
    expect(await executions()).toHaveLength(1);
    expect((await service.describe('hourly')).nextFireAt).toBe('2026-10-25T04:00:00.000Z');
  });

  it('finishes a firing recorded before a crash: started once whether or not the crash came after the start', async () => {
    await service.create({ name: 'recover', pipeline: 'nightly', kind: 'schedule', cron: '0 0 * * *', timezone: 'UTC' });
    const row = await store.get('recover');
    const state = readState(row.state_json);
    const event = { scheduledAt: '2026-10-24T00:00:00.000Z' };

    // Crash after the pending write, before the start: the next round starts it.
    const lost = { firing: firingId(row, 'lost'), event, at: now.toISOString() };
    expect(await store.swapState('recover', row.state_json, JSON.stringify({ ...state, pending: lost }))).toBe(true);
    await watcher.checkAll();
    const first = await executions();
    expect(first).toHaveLength(1);
    expect(first[0].trigger).toMatchObject({ firing: lost.firing });
    expect(readState((await store.get('recover')).state_json).pending).toBeUndefined();

    // Crash after the start, before the pending is cleared: the execution is found, not started again.
    const started = await pipelines.start('nightly', { trigger: { kind: 'schedule', name: 'recover', event, firing: firingId(row, 'started') } });
    const before = await store.get('recover');
    const pending = { firing: firingId(row, 'started'), event, at: now.toISOString() };
    await store.swapState('recover', before.state_json, JSON.stringify({ ...readState(before.state_json), pending }));
    await watcher.checkAll();
    expect(await executions()).toHaveLength(2);
    const described = await service.describe('recover');
    expect(described.lastFired?.execution).toBe(started.id);
  });

  it('a disabled trigger does not fire; enabled again, it starts from now', async () => {
    await service.create({ name: 'paused', pipeline: 'nightly', kind: 'schedule', cron: '0 0 * * *', timezone: 'UTC' });
    await service.disable('paused');
    now = new Date('2026-10-26T12:00:00Z');
    await watcher.checkAll();
    expect(await executions()).toHaveLength(0);
    const enabled = await service.enable('paused');
    expect(enabled.nextFireAt).toBe('2026-10-27T00:00:00.000Z');
    await watcher.checkAll();
    expect(await executions()).toHaveLength(0);
  });

  it('records a start the pipeline refuses on the trigger, and drops that firing', async () => {
    await service.create({ name: 'broken', pipeline: 'nightly', kind: 'schedule', cron: '* * * * *', timezone: 'UTC' });
    await pipelines.deleteVersion('nightly', 1);
    now = new Date('2026-10-24T22:05:00Z');
    await watcher.checkAll();
    expect(await executions()).toHaveLength(0);
    const t = await service.describe('broken');
    expect(t.lastError).toMatch(/^ORCH_PIPELINE_VERSION_DELETED/);
    expect(t.lastFired?.execution).toBeNull();
    expect(readState((await store.get('broken')).state_json).pending).toBeUndefined();
  });
});
