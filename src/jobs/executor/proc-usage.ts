/**
 * CPU time and resident memory of a process tree, read from `/proc` (Linux). Used to
 * sample model servers and job attempts; where there is no `/proc` every reading is null.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcUsage {
  /** User + system CPU seconds of the processes, since each started. */
  cpuSeconds: number;
  /** Resident set size of the processes, bytes. */
  rssBytes: number;
  /** How many processes were counted. */
  processes: number;
}

const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface Stat {
  pid: number;
  ppid: number;
  pgrp: number;
  cpuTicks: number;
  rssPages: number;
}

function statOf(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces and parentheses): ppid is the 4th field, pgrp the 5th,
  // utime the 14th, stime the 15th, rss the 24th.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), cpuTicks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
}

function allStats(): Stat[] | null {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  const out: Stat[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const s = statOf(Number(name));
    if (s !== null) out.push(s);
  }
  return out;
}

function sum(stats: readonly Stat[]): ProcUsage {
  let ticks = 0;
  let pages = 0;
  for (const s of stats) {
    ticks += s.cpuTicks;
    pages += s.rssPages;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: pages * PAGE_BYTES, processes: stats.length };
}

/** Usage of one process and all its descendants; null when it is gone or there is no `/proc`. */
export function treeUsage(rootPid: number): ProcUsage | null {
  const stats = allStats();
  if (stats === null) return null;
  const children = new Map<number, Stat[]>();
  let root: Stat | undefined;
  for (const s of stats) {
    if (s.pid === rootPid) root = s;
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  if (root === undefined) return null;
  const tree: Stat[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const s = stack.pop()!;
    tree.push(s);
    for (const c of children.get(s.pid) ?? []) stack.push(c);
  }
  return sum(tree);
}

/** Usage of every process in a process group; null when the group is empty or there is no `/proc`. */
export function groupUsage(pgid: number): ProcUsage | null {
  const stats = allStats();
  if (stats === null) return null;
  const group = stats.filter((s) => s.pgrp === pgid);
  return group.length === 0 ? null : sum(group);
}

/**
 * Turns successive readings into utilisation: CPU percent of one core over the interval
 * (200 = two cores busy) and memory in MiB.
 */
export class UsageMeter {
  private last: { at: number; cpuSeconds: number } | null = null;

  constructor(private readonly read: () => ProcUsage | null) {}

  sample(now = Date.now()): { cpuPercent: number | null; memoryMiB: number } | null {
    const u = this.read();
    if (u === null) return null;
    const prev = this.last;
    this.last = { at: now, cpuSeconds: u.cpuSeconds };
    const cpuPercent = prev === null || now <= prev.at ? null : Math.max(0, ((u.cpuSeconds - prev.cpuSeconds) / ((now - prev.at) / 1000)) * 100);
    return { cpuPercent, memoryMiB: u.rssBytes / (1024 * 1024) };
  }
}
