/**
 * Drives executions: one per deployment, in `orchard up`. It holds the pipelines'
 * leadership (a PostgreSQL advisory lock; always on SQLite), advances an execution at once
 * when told something changed (`kick`: a start, a step's end in this process, an approval),
 * and sweeps every unfinished execution each `sweepMs` for what happens elsewhere (jobs on
 * fleet workers, timers, another server's writes). A server without the leadership tries
 * again every `leaderRetryMs`, so it takes over within seconds when the leader dies.
 */
import { tryLeadership, type Leadership, type MetadataStore } from '../../storage/index.js';
import type { PipelineStore } from '../pipeline-store.js';
import type { ExecutionEngine } from './execution-engine.js';

export interface ControllerOptions {
  /** @default 1000 */
  sweepMs?: number;
  /** @default 2000 */
  leaderRetryMs?: number;
  /** Executions advanced at once. @default 16 */
  concurrency?: number;
  onError?: (err: unknown) => void;
  /** Told when this server gains or loses the leadership. */
  onLeadership?: (leading: boolean) => void;
}

export class PipelineController {
  private leadership: Leadership | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  /** Executions waiting for an advance, and those being advanced (marked again if kicked meanwhile). */
  private readonly pending = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private active = 0;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: PipelineStore,
    private readonly engine: ExecutionEngine,
    private readonly options: ControllerOptions = {},
  ) {}

  get leading(): boolean {
    return this.leadership !== null;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        if (!this.leadership) await this.lead();
        if (this.leadership) await this.sweep();
      } catch (err) {
        this.options.onError?.(err);
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.leadership ? (this.options.sweepMs ?? 1000) : (this.options.leaderRetryMs ?? 2000));
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
    await this.sweeping;
    await Promise.all(this.running.values());
    await this.leadership?.release();
    this.leadership = null;
  }

  /** Something changed for this execution: advance it soon (now, if this server leads). */
  kick(id: string): void {
    if (this.stopped || !this.leadership) return;
    if (this.running.has(id)) {
      // Something changed while it was being advanced: once more after this pass.
      this.again.add(id);
      return;
    }
    this.pending.add(id);
    this.pump();
  }

  /** Look at an execution again at `at` (a wait's end, a retry's backoff). */
  wakeAt(id: string, at: number): void {
    const delay = Math.max(0, at - Date.now());
    if (delay > (this.options.sweepMs ?? 1000) * 5 || this.timers.has(id)) return;
    const t = setTimeout(() => {
      this.timers.delete(id);
      this.kick(id);
    }, delay + 5);
    t.unref();
    this.timers.set(id, t);
  }

  /** Resolves once every kicked execution has been advanced (tests and the bench). */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.running.size > 0) await Promise.race([...this.running.values(), new Promise((r) => setTimeout(r, 5))]);
  }

  private async lead(): Promise<void> {
    const got = await tryLeadership(this.metadata, 'orchard:pipelines');
    if (!got) return;
    this.leadership = got;
    this.options.onLeadership?.(true);
    void got.lost.then(() => {
      if (this.leadership !== got) return;
      this.leadership = null;
      this.options.onLeadership?.(false);
    });
  }

  private async sweep(): Promise<void> {
    this.sweeping = (async () => {
      const rows = await this.store.active();
      const promoted = new Set<string>();
      for (const row of rows) {
        if (row.status === 'Queued') continue;
        promoted.add(row.pipeline);
        // One already waiting or being advanced is not queued again: the sweep only looks
        // for what changed elsewhere, and the next sweep comes soon.
        if (!this.running.has(row.name)) this.kick(row.name);
      }
      // The `queue` overlap policy: the oldest queued execution of an idle pipeline starts.
      for (const row of rows) {
        if (row.status !== 'Queued' || promoted.has(row.pipeline)) continue;
        promoted.add(row.pipeline);
        if (await this.store.setExecution(row.name, 'Executing', ['Queued'], { started_at: new Date().toISOString() })) this.kick(row.name);
      }
    })();
    try {
      await this.sweeping;
    } finally {
      this.sweeping = null;
    }
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 16;
    while (this.active < limit && this.pending.size > 0) {
      const id = this.pending.values().next().value as string;
      this.pending.delete(id);
      this.active++;
      const p = this.engine
        .advance(id)
        .catch((err) => this.options.onError?.(err))
        .finally(() => {
          this.active--;
          this.running.delete(id);
          if (this.again.delete(id)) this.pending.add(id);
          this.pump();
        });
      this.running.set(id, p);
    }
  }
}
