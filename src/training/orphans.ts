import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Each running attempt leaves `<attempt>.owner` beside its folder: the worker's pid and
 * the attempt's process group, each with its process start time. A worker killed
 * outright (SIGKILL, a crash) cannot end its attempts, so the next worker on the machine
 * does, before it claims anything: any group whose owner is gone is killed and its
 * folders removed.
 *
 * "Gone" is more than "no process with that pid": a killed worker whose parent has not
 * reaped it yet is a zombie that `kill(pid, 0)` still finds, and a pid may have been
 * given to another process since. Both are told apart by the start time in `/proc`.
 */
export interface AttemptOwner {
  workerPid: number;
  /** The worker's start time (clock ticks since boot, `/proc/<pid>/stat` field 22); absent where there is no `/proc`. */
  workerStart?: number;
  pgid: number;
  /** The group leader's start time, so a group id reused by someone else is never killed. */
  pgidStart?: number;
}

export async function writeOwner(root: string, pgid: number): Promise<void> {
  const owner: AttemptOwner = { workerPid: process.pid, workerStart: processStart(process.pid), pgid, pgidStart: processStart(pgid) };
  await fs.writeFile(`${root}.owner`, JSON.stringify(owner));
}

export async function removeOwner(root: string): Promise<void> {
  await fs.rm(`${root}.owner`, { force: true });
}

/** State and start time of a process from `/proc/<pid>/stat`; null when there is none, undefined without `/proc`. */
function procStat(pid: number): { state: string; start: number } | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    // No such process, or no /proc at all (then ask the kernel below).
    try {
      readFileSync('/proc/self/stat');
      return null;
    } catch {
      return undefined;
    }
  }
  // Fields after the command name (which may hold spaces and parentheses): state is the 3rd, starttime the 22nd.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: Number(fields[19]) };
}

function processStart(pid: number): number | undefined {
  return procStat(pid)?.start;
}

/** Whether the process that `pid` and `start` name still runs (not a zombie, not a newer process with the same pid). */
function running(pid: number, start: number | undefined): boolean {
  const stat = procStat(pid);
  if (stat === null) return false;
  if (stat === undefined) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return start === undefined || stat.start === start;
}

/** Ends the attempts of dead workers in `attemptsDir`; returns how many. */
export async function reapOrphans(attemptsDir: string): Promise<number> {
  let reaped = 0;
  for (const entry of await fs.readdir(attemptsDir).catch(() => [] as string[])) {
    if (!entry.endsWith('.owner')) continue;
    const file = path.join(attemptsDir, entry);
    const owner = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as AttemptOwner).catch(() => null);
    if (!owner || running(owner.workerPid, owner.workerStart)) continue;
    // A leader that runs but started at another time is a stranger who got the id once our
    // group had ended; while any process of our group lives, its id is not given out again.
    const leader = procStat(owner.pgid);
    const stranger = owner.pgidStart !== undefined && !!leader && leader.state !== 'Z' && leader.start !== owner.pgidStart;
    if (!stranger) {
      try {
        process.kill(-owner.pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const root = file.slice(0, -'.owner'.length);
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(`${root}-in`, { recursive: true, force: true });
    await fs.rm(file, { force: true });
    reaped++;
  }
  return reaped;
}
