/**
 * What alarms need of other capabilities: narrow ports the platform wires. Alarms read
 * metrics through `MetricsPort` and reach endpoints, webhooks, pipelines and training
 * only through these.
 */
import type { AlarmNamespace } from '../contracts/alarm-values.js';
import type { Execution } from '../contracts/index.js';
import type { MetricsPort } from '../metrics/types.js';
import type { DeliverRequest, DeliverResult } from '../webhooks/index.js';

export interface AlarmPorts {
  metrics: MetricsPort;
  /** Whether a namespace records the metric, and the names it records (the metrics capability's catalogue). */
  catalog: { isKnown(namespace: AlarmNamespace, metric: string): boolean; names(namespace: AlarmNamespace): readonly string[] };
  endpoints: { describe(name: string): Promise<unknown> };
  webhooks: { describe(name: string): Promise<{ name: string; events: string[] | null; enabled: boolean }>; deliver(request: DeliverRequest): Promise<DeliverResult> };
  pipelines: {
    describe(name: string): Promise<unknown>;
    start(name: string, opts: { parameters?: Record<string, unknown>; trigger?: Record<string, unknown>; createdBy?: string; fromStrings?: boolean }): Promise<Execution>;
    executions(filter: { pipeline?: string; limit?: number }): Promise<{ items: Execution[] }>;
  };
  training: { describe(name: string): Promise<{ name: string; status: string }>; stop(name: string): Promise<{ status: string }> };
}
