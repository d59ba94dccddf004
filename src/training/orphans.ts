import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Each running attempt leaves `<attempt>.owner` beside its folder: the worker's pid
 * and the attempt's process group. A worker killed outright (SIGKILL, a crash) cannot
 * end its attempts, so the next worker on the machine does: any group whose owner is
 * gone is killed and its folders removed.
 */
export async function writeOwner(root: string, pgid: number): Promise<void> {
  await fs.writeFile(`${root}.owner`, JSON.stringify({ workerPid: process.pid, pgid }));
}

export async function removeOwner(root: string): Promise<void> {
  await fs.rm(`${root}.owner`, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ends the attempts of dead workers in `attemptsDir`; returns how many. */
export async function reapOrphans(attemptsDir: string): Promise<number> {
  let reaped = 0;
  for (const entry of await fs.readdir(attemptsDir).catch(() => [] as string[])) {
    if (!entry.endsWith('.owner')) continue;
    const file = path.join(attemptsDir, entry);
    const owner = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as { workerPid: number; pgid: number }).catch(() => null);
    if (!owner || alive(owner.workerPid)) continue;
    try {
      process.kill(-owner.pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    const root = file.slice(0, -'.owner'.length);
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(`${root}-in`, { recursive: true, force: true });
    await fs.rm(file, { force: true });
    reaped++;
  }
  return reaped;
}
