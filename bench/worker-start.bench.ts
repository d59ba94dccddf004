/**
 * `npm run bench -- worker-start [--runs 5] [--idle-s 5] [--orchard-bin path]`: how fast
 * `orchard worker` is ready and how much memory it holds while idle.
 *
 * On a fleet (PostgreSQL in a fresh schema, Redis under a fresh prefix, s3rver), after one
 * `orchard up --workers 0` has migrated the schema, `orchard worker --json` is spawned
 * `--runs` times, one after another. Ready is its start-up line on stdout: the command
 * prints it once its stores are open and its job loops run, and nothing observable comes
 * sooner (an idle worker claims nothing). The resident set (`VmRSS`) is read
 * `--idle-s` seconds later, of the worker process and of its process tree. Medians of
 * the runs; `node -e ''` is timed too, as the floor any Node.js command starts from.
 */
import { spawnSync } from 'node:child_process';
import { emit, median } from './support.js';
import { machine, numberOption, option, orchardBin, processTree, round3, rssMiB, startFleet, startOrchard, withCleanup } from './fleet-support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function run(args: string[]): Promise<void> {
  const bin = orchardBin(args);
  const runs = Math.max(1, numberOption(args, '--runs', 5));
  const idleMs = numberOption(args, '--idle-s', 5) * 1000;
  const slots = option(args, '--slots');

  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '']);
    node.push(performance.now() - t0);
  }

  const fleet = await startFleet();
  await withCleanup(fleet.teardown, async () => {
    const up = await startOrchard(bin, 'up', fleet.env, ['--workers', '0']);
    const ready: number[] = [];
    const rss: number[] = [];
    const treeRss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const w = await startOrchard(bin, 'worker', fleet.env, slots ? ['--workers', slots] : []);
      ready.push(w.readyMs);
      await sleep(idleMs);
      rss.push(rssMiB(w.pid));
      treeRss.push(processTree(w.pid).reduce((sum, pid) => sum + rssMiB(pid), 0));
      await w.stop();
      process.stderr.write(`worker run ${i + 1}: ready ${(w.readyMs / 1000).toFixed(3)} s, idle RSS ${rss[i].toFixed(1)} MiB (tree ${treeRss[i].toFixed(1)} MiB)\n`);
    }
    await up.stop();
    emit({
      task: 'worker-start', orchard_bin: bin, runs, idle_s: idleMs / 1000, worker_slots: slots ?? 'default',
      ready_s: round3(median(ready) / 1000), idle_rss_mib: +median(rss).toFixed(1), idle_tree_rss_mib: +median(treeRss).toFixed(1),
      node_floor_s: round3(median(node) / 1000),
      extra: { ready_s_runs: ready.map((x) => round3(x / 1000)), rss_mib_runs: rss.map((x) => +x.toFixed(1)) },
      ...machine(),
    });
  });
}
