/**
 * What each kind of trigger watches. A source reads its capability through a port and,
 * given the cursor of what the trigger has seen, answers the next event to fire (oldest
 * first) with the cursor just past it, or a cursor alone when only its bookkeeping moved (a
 * crawler run started), or nothing.
 */
import { isOrchardError } from '../../core/index.js';
import type { TriggerKind, TriggerSource } from '../../contracts/pipeline-trigger.contract.js';
import { nextFire } from './cron.js';
import type { TriggerPorts } from './ports.js';

export type TriggerEvent = Record<string, unknown>;
export type Cursor = Record<string, unknown>;

export interface SourceStep {
  /** The next event; absent when only the cursor moved. */
  event?: TriggerEvent;
  /** What identifies the event within this trigger (`sales@3`, a scheduled time). */
  key?: string;
  cursor: Cursor;
}

export interface TriggerSourceKind {
  /** The cursor of a new (or re-enabled) trigger: what exists now does not fire. */
  initial(source: TriggerSource, ports: TriggerPorts, now: Date): Promise<Cursor>;
  next(source: TriggerSource, cursor: Cursor, ports: TriggerPorts, now: Date, by: string): Promise<SourceStep | null>;
}

const datasetSource: TriggerSourceKind = {
  async initial(source, ports) {
    const versions = await ports.datasets.versions(source.dataset!);
    return { version: Math.max(0, ...versions.map((v) => v.version)) };
  },
  async next(source, cursor, ports) {
    const seen = Number(cursor.version ?? 0);
    const newer = (await ports.datasets.versions(source.dataset!)).filter((v) => v.version > seen).sort((a, b) => a.version - b.version);
    const v = newer[0];
    if (!v) return null;
    const ref = `${v.name}@${v.version}`;
    return { event: { dataset: ref, name: v.name, version: v.version }, key: ref, cursor: { version: v.version } };
  },
};

/**
 * Runs the crawler every `everyMs` (when it is not already running) and fires when its
 * dataset version moves past the one seen, whoever started the run.
 */
const crawlerSource: TriggerSourceKind = {
  async initial(source, ports) {
    const crawler = await ports.crawlers.describe(source.crawler!);
    return { version: crawler.currentVersion ?? 0, lastRunAt: null };
  },
  async next(source, cursor, ports, now, by) {
    const crawler = await ports.crawlers.describe(source.crawler!);
    const seen = Number(cursor.version ?? 0);
    if (crawler.currentVersion !== null && crawler.currentVersion > seen) {
      const ref = `${crawler.dataset}@${crawler.currentVersion}`;
      const run = crawler.lastRun?.dataset === ref ? crawler.lastRun.run : null;
      return { event: { dataset: ref, name: crawler.dataset, version: crawler.currentVersion, crawler: crawler.name, run }, key: ref, cursor: { ...cursor, version: crawler.currentVersion } };
    }
    const last = typeof cursor.lastRunAt === 'string' ? Date.parse(cursor.lastRunAt) : NaN;
    if (crawler.state !== 'Ready' || (Number.isFinite(last) && now.getTime() - last < source.everyMs!)) return null;
    try {
      await ports.crawlers.startRun(crawler.name, by);
    } catch (err) {
      // Someone else started a run since the describe: it counts as this interval's run.
      if (!isOrchardError(err) || err.code !== 'ORCH_CRAWLER_RUNNING') throw err;
    }
    return { cursor: { ...cursor, lastRunAt: now.toISOString() } };
  },
};

/**
 * Fires at each cron time. After a pause (the server down, no leader), a schedule fires once
 * for the times it missed, then carries on from the current time: a catch-up of one.
 */
const scheduleSource: TriggerSourceKind = {
  async initial(source, _ports, now) {
    return { next: nextFire(source.cron!, source.timezone ?? 'UTC', now).toISOString() };
  },
  async next(source, cursor, _ports, now) {
    const due = typeof cursor.next === 'string' ? cursor.next : null;
    const zone = source.timezone ?? 'UTC';
    if (due === null) return { cursor: { next: nextFire(source.cron!, zone, now).toISOString() } };
    if (Date.parse(due) > now.getTime()) return null;
    return { event: { scheduledAt: due, firedAt: now.toISOString(), cron: source.cron, timezone: zone }, key: due, cursor: { next: nextFire(source.cron!, zone, now).toISOString() } };
  },
};

/**
 * Fires when a version of the group becomes Approved. The cursor keeps, per approved
 * version, how many approval changes it had when seen: a version rejected then approved
 * again fires again.
 */
const registrySource: TriggerSourceKind = {
  async initial(source, ports) {
    return { approvals: await approvals(source.group!, ports) };
  },
  async next(source, cursor, ports) {
    const seen = (cursor.approvals ?? {}) as Record<string, number>;
    const now = await ports.packages.versions(source.group!, { approvalStatus: 'Approved' });
    const current = Object.fromEntries(now.map((p) => [String(p.version), p.approvalHistory.length]));
    const fresh = now.filter((p) => seen[String(p.version)] !== p.approvalHistory.length).sort((a, b) => a.version - b.version)[0];
    // Versions no longer approved leave the cursor, so approving one again fires.
    const kept = Object.fromEntries(Object.entries(seen).filter(([v]) => current[v] !== undefined));
    if (!fresh) return Object.keys(kept).length === Object.keys(seen).length ? null : { cursor: { approvals: kept } };
    const change = fresh.approvalHistory[fresh.approvalHistory.length - 1];
    return {
      event: { package: fresh.ref, group: fresh.group, version: fresh.version, model: fresh.modelName, approvedBy: change?.by ?? null },
      key: `${fresh.ref}#${fresh.approvalHistory.length}`,
      cursor: { approvals: { ...kept, [String(fresh.version)]: fresh.approvalHistory.length } },
    };
  },
};

async function approvals(group: string, ports: TriggerPorts): Promise<Record<string, number>> {
  const approved = await ports.packages.versions(group, { approvalStatus: 'Approved' });
  return Object.fromEntries(approved.map((p) => [String(p.version), p.approvalHistory.length]));
}

export const TRIGGER_SOURCES: Readonly<Record<TriggerKind, TriggerSourceKind>> = {
  dataset: datasetSource,
  crawler: crawlerSource,
  schedule: scheduleSource,
  registry: registrySource,
};
