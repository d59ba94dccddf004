/**
 * `npm run bench -- worker-start [--runs 5] [--idle-s 5] [--orchard-bin path[,path…]]`: how
 * fast `orchard worker` is ready and how much memory it holds while idle. Given several
 * builds (an older checkout's and this one's, say), their runs alternate, so a busy
 * machine weighs on each alike; one result line per build.
 *
 * On a fleet (PostgreSQL in a fresh schema, Redis under a fresh prefix, s3rver), after one
 * `orchard up --workers 0` has migrated the schema (the server keeps running),
 * `orchard worker --json` is spawned `--runs` times, one after another. Ready is its start-up line on stdout: the command
 * prints it once its stores are open and its job loops run, and nothing observable comes
 * sooner (an idle worker claims nothing). The resident set (`VmRSS`) is read
 * `--idle-s` seconds later, of the worker process and of its process tree. Medians of
 * the runs; `node -e ''` is timed too, as the floor any Node.js command starts from. The
 * CPU time the worker used up to its start-up line is given beside the wall time: on a
 * busy machine it moves much less.
 */
import { spawnSync } from 'node:child_process';
import { emit, median } from './support.js';
import { machine, numberOption, option, orchardBin, processTree, round3, rssMiB, startFleet, startOrchard, withCleanup, type Fleet } from './fleet-support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  ready: number;
  cpu: number;
  rss: number;
  treeRss: number;
}

export async function run(args: string[]): Promise<void> {
  const bins = (option(args, '--orchard-bin') ?? '').split(',').filter(Boolean);
  const builds = bins.length ? bins.map((b) => orchardBin(['--orchard-bin', b])) : [orchardBin([])];
  const runs = Math.max(1, numberOption(args, '--runs', 5));
  const idleMs = numberOption(args, '--idle-s', 5) * 1000;
  const slots = option(args, '--slots');

  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '']);
    node.push(performance.now() - t0);
  }

  // A fleet (schema, prefix, s3rver) and an `orchard up --workers 0` per build: each build
  // migrates its own schema, so an older worker never meets a newer schema.
  const fleets = new Map<string, Fleet>();
  await withCleanup(async () => {
    for (const f of fleets.values()) await f.teardown();
  }, async () => {
    for (const bin of builds) {
      const fleet = await startFleet();
      fleets.set(bin, fleet);
      await startOrchard(bin, 'up', fleet.env, ['--workers', '0']);
    }
    const samples = new Map<string, Sample[]>(builds.map((b) => [b, []]));
    for (let i = 0; i < runs; i++) {
      for (const bin of builds) {
        const w = await startOrchard(bin, 'worker', fleets.get(bin)!.env, slots ? ['--workers', slots] : []);
        await sleep(idleMs);
        const sample = { ready: w.readyMs, cpu: w.readyCpuMs, rss: rssMiB(w.pid), treeRss: processTree(w.pid).reduce((sum, pid) => sum + rssMiB(pid), 0) };
        await w.stop();
        samples.get(bin)!.push(sample);
        process.stderr.write(`${bin} run ${i + 1}: ready ${(sample.ready / 1000).toFixed(3)} s (CPU ${(sample.cpu / 1000).toFixed(2)} s), idle RSS ${sample.rss.toFixed(1)} MiB (tree ${sample.treeRss.toFixed(1)} MiB)\n`);
      }
    }
    for (const bin of builds) {
      const s = samples.get(bin)!;
      emit({
        task: 'worker-start', orchard_bin: bin, runs, idle_s: idleMs / 1000, worker_slots: slots ?? 'default',
        ready_s: round3(median(s.map((x) => x.ready)) / 1000), ready_cpu_s: round3(median(s.map((x) => x.cpu)) / 1000), idle_rss_mib: +median(s.map((x) => x.rss)).toFixed(1),
        idle_tree_rss_mib: +median(s.map((x) => x.treeRss)).toFixed(1), node_floor_s: round3(median(node) / 1000),
        extra: { ready_s_runs: s.map((x) => round3(x.ready / 1000)), ready_cpu_s_runs: s.map((x) => round3(x.cpu / 1000)), rss_mib_runs: s.map((x) => +x.rss.toFixed(1)) },
        ...machine(),
      });
    }
  });
}
