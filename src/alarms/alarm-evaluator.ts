/**
 * The alarm evaluator: one loop per `orchard up`, acting only while this server leads (the
 * pipeline controller's leadership on PostgreSQL; a SQLite server always leads), so a
 * deployment evaluates each alarm once per interval. The state lives in the database: a
 * restarted server carries on from it, and finishes the actions of a transition it was
 * running when it stopped.
 */
import type { AlarmService } from './alarm-service.js';

export interface AlarmEvaluatorOptions {
  /** @default 60000 (`ORCHARD_ALARM_INTERVAL_MS`) */
  intervalMs?: number;
  /** Whether this server evaluates. @default always */
  leading?: () => boolean;
  onError?: (err: unknown, alarm: string) => void;
}

export class AlarmEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private round: Promise<void> | null = null;

  constructor(
    private readonly alarms: AlarmService,
    private readonly options: AlarmEvaluatorOptions = {},
  ) {}

  /** The first round runs after one interval (endpoints and metrics have started by then). */
  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      this.round = this.leading() ? this.evaluateAll() : Promise.resolve();
      await this.round;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.intervalMs ?? 60_000);
    };
    this.timer = setTimeout(() => void tick(), this.options.intervalMs ?? 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  private leading(): boolean {
    return this.options.leading?.() ?? true;
  }

  /** One round: every enabled alarm, one after another (an error is reported per alarm and the round goes on). */
  async evaluateAll(): Promise<void> {
    let names: string[];
    try {
      names = await this.alarms.enabledNames();
    } catch (err) {
      this.options.onError?.(err, '*');
      return;
    }
    for (const name of names) {
      if (this.stopped || !this.leading()) return;
      try {
        await this.alarms.evaluate(name);
      } catch (err) {
        // Deleted since the round began: nothing to do.
        if ((err as { code?: string }).code === 'ORCH_ALARM_NOT_FOUND') continue;
        this.options.onError?.(err, name);
      }
    }
  }
}
