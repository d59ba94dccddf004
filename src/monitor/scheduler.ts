import type { MonitorService } from './service.js';

export interface MonitorSchedulerOptions {
  /** How often due schedules are looked for. @default 15000 */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Starts due monitoring executions from the server. The next time of each schedule is in
 * the database, so a restart loses nothing: a time missed while no server ran fires once
 * on start. Several servers may run it: an execution is named after its schedule and
 * time, and moving a schedule's next time is conditional, so a time fires once.
 */
export class MonitorScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly service: Pick<MonitorService, 'fireDue'>,
    private readonly options: MonitorSchedulerOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 15_000);
    this.timer.unref();
  }

  private tick(): void {
    this.running = this.running.then(() => this.service.fireDue().catch((err: unknown) => this.options.onError?.(err)));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
