/**
 * The trigger watcher: one loop per server, acting only while this server leads the
 * pipelines (`PipelineController.leading`), so one deployment fires each event once.
 *
 * A firing survives a crash without being lost or doubled, in three writes:
 *  1. the source's cursor moves past the event AND the event is recorded as `pending`, in
 *     one compare-and-set of `state_json`. Before this write nothing has happened: a crash
 *     leaves the event unseen, and the next round finds it again.
 *  2. the execution starts with `trigger.firing`, an id derived from the trigger (its name
 *     and creation time) and the event's key. Before starting, the watcher looks for an
 *     execution of the pipeline carrying that id: one found was started by an earlier
 *     attempt that crashed before step 3, and is not started twice.
 *  3. `pending` is cleared and the firing recorded as `lastFired`.
 * A crash between 1 and 3 leaves `pending`, which the next round (on this server or the
 * next leader) finishes before it looks for new events. Only the leader fires, so the look-up
 * and the start in 2 do not race another watcher.
 */
import { createHash } from 'node:crypto';
import { isOrchardError } from '../../core/index.js';
import type { TriggerKind, TriggerSource } from '../../contracts/index.js';
import type { TriggersTable } from '../pipeline-store.js';
import { mapParameters } from './mapping.js';
import type { TriggerPorts } from './ports.js';
import { TRIGGER_SOURCES } from './sources.js';
import { readState, type TriggerSettings, type TriggerState } from './state.js';
import type { TriggerStore } from './trigger-store.js';

export interface TriggerWatcherOptions {
  /** @default 2000 */
  intervalMs?: number;
  /** Whether this server may fire (the pipeline controller's leadership). */
  leading: () => boolean;
  /** @default the system clock */
  clock?: () => Date;
  /** Events fired per trigger in one round (the rest wait for the next). @default 20 */
  maxPerRound?: number;
  onError?: (err: unknown, trigger: string) => void;
}

export class TriggerWatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private round: Promise<void> | null = null;

  constructor(
    private readonly store: TriggerStore,
    private readonly ports: TriggerPorts,
    private readonly options: TriggerWatcherOptions,
  ) {}

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      this.round = this.leading() ? this.checkAll() : Promise.resolve();
      await this.round;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.intervalMs ?? 2000);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  private leading(): boolean {
    return this.options.leading();
  }

  /** One round: every enabled trigger, one after another (errors are kept per trigger). */
  async checkAll(): Promise<void> {
    let rows: TriggersTable[];
    try {
      rows = await this.store.enabled();
    } catch (err) {
      this.options.onError?.(err, '*');
      return;
    }
    for (const row of rows) {
      if (this.stopped || !this.leading()) return;
      try {
        await this.check(row);
      } catch (err) {
        this.options.onError?.(err, row.name);
      }
    }
  }

  /** Finishes a pending firing, then fires new events of the trigger's source, oldest first. */
  async check(row: TriggersTable): Promise<void> {
    let state = readState(row.state_json);
    let json = row.state_json;
    const swap = async (next: TriggerState): Promise<boolean> => {
      const nextJson = JSON.stringify(next);
      if (nextJson === json) return true;
      if (!(await this.store.swapState(row.name, json, nextJson))) return false;
      state = next;
      json = nextJson;
      return true;
    };
    if (state.pending && !(await this.finish(row, state, swap))) return;
    const source = JSON.parse(row.config_json) as TriggerSource;
    const kind = TRIGGER_SOURCES[row.kind as TriggerKind];
    for (let i = 0; i < (this.options.maxPerRound ?? 20); i++) {
      let step;
      try {
        step = await kind.next(source, state.cursor, this.ports, this.now(), row.created_by ?? `trigger:${row.name}`);
      } catch (err) {
        // The source is gone or refuses (a deleted dataset, a crawler source no longer allowed): shown on the trigger.
        if (!isOrchardError(err)) throw err;
        await swap({ ...state, lastError: `${err.code}: ${err.message}`, sourceFailing: true });
        return;
      }
      if (!step) {
        // The source answers again: its error goes (a refused start's error stays until the next firing).
        if (state.sourceFailing) {
          const { sourceFailing: _ok, ...rest } = state;
          await swap({ ...rest, lastError: null });
        }
        return;
      }
      if (!step.event) {
        await swap({ ...state, cursor: step.cursor });
        return;
      }
      const pending = { firing: firingId(row, step.key!), event: step.event, at: this.now().toISOString() };
      if (!(await swap({ ...state, cursor: step.cursor, pending }))) return;
      if (!(await this.finish(row, state, swap))) return;
    }
  }

  /** Starts the pending firing's execution unless an earlier attempt did, then clears it. */
  private async finish(row: TriggersTable, state: TriggerState, swap: (next: TriggerState) => Promise<boolean>): Promise<boolean> {
    const pending = state.pending!;
    const settings = JSON.parse(row.parameters_json) as TriggerSettings;
    let execution = await this.store.executionOf(row.pipeline, pending.firing);
    let lastError: string | null = null;
    if (execution === null) {
      try {
        const started = await this.ports.pipelines.start(row.pipeline, {
          parameters: mapParameters(settings.fixed, settings.map, pending.event),
          trigger: { kind: row.kind, name: row.name, event: pending.event, firing: pending.firing },
          createdBy: row.created_by ?? undefined,
          fromStrings: true,
        });
        execution = started.id;
      } catch (err) {
        // A start the pipeline refuses (a parameter of the wrong type, a deleted version) would
        // be refused again: the firing is dropped, and the reason shown on the trigger.
        if (!isOrchardError(err)) throw err;
        lastError = `${err.code}: ${err.message}`;
      }
    }
    const { pending: _done, sourceFailing: _ok, ...rest } = state;
    return swap({ ...rest, lastFired: { at: pending.at, event: pending.event, execution }, lastError });
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }
}

/** A firing's id: hex, the same for the same trigger (name and creation) and event. */
export function firingId(row: Pick<TriggersTable, 'name' | 'created_at'>, key: string): string {
  return createHash('sha256').update(`${row.name}\n${row.created_at}\n${key}`).digest('hex').slice(0, 24);
}
