/**
 * `npm run bench -- labeling-consolidation [--items N] [--seeds N] [--errors uniform|adjacent|both]`:
 * consolidation of a simulated crowd, in process (no server: the consolidation core is a
 * pure function). 5 classes, uniform true classes; 8 annotators with accuracies spread
 * evenly from 0.55 to 0.9; each item answered by 3 of them drawn at random. A wrong answer
 * is uniform over the other classes (`uniform`), or the next class with probability 0.7
 * (`adjacent`: annotators who confuse particular classes).
 *
 * Dawid–Skene against majority vote (ties to the first class; its confidence is the vote
 * share), and the Bayes rule with the simulation's true confusion matrices (`oracle`: the
 * best accuracy any consolidation of these answers can expect). Per seed: item accuracy,
 * the expected calibration error of the confidences (10 bins) and Dawid–Skene's CPU seconds;
 * then mean and standard deviation over the seeds, and the reliability bins pooled.
 */
import { calibration, crowdConfusion, dawidSkene, majorityVote, simulateCrowd, spread, type Crowd } from '../src/labeling/consolidation/index.js';
import { emit } from './support.js';

const CLASSES = ['c0', 'c1', 'c2', 'c3', 'c4'];
const ACCURACIES = spread(0.55, 0.9, 8);

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Accuracy of the posterior-argmax under the true confusion matrices and uniform classes. */
function oracleAccuracy(crowd: Crowd, errors: 'uniform' | 'adjacent'): number {
  const K = CLASSES.length;
  const logPi = ACCURACIES.map((a) => crowdConfusion(a, K, errors).map((row) => row.map(Math.log)));
  const score = new Map<string, number[]>();
  for (const a of crowd.answers) {
    const s = score.get(a.item) ?? new Array<number>(K).fill(0);
    const w = crowd.workers.indexOf(a.worker);
    const l = CLASSES.indexOf(a.label);
    for (let k = 0; k < K; k++) s[k] += logPi[w][k][l];
    score.set(a.item, s);
  }
  let hit = 0;
  for (const [item, s] of score) if (CLASSES[s.indexOf(Math.max(...s))] === crowd.truth.get(item)) hit++;
  return hit / score.size;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));

export async function run(args: string[]): Promise<void> {
  const items = Number(option(args, '--items') ?? 10_000);
  const seeds = Number(option(args, '--seeds') ?? 5);
  const which = option(args, '--errors') ?? 'both';
  const scenarios = (which === 'both' ? ['uniform', 'adjacent'] : [which]) as ('uniform' | 'adjacent')[];
  const summary: string[] = [];
  for (const errors of scenarios) {
    const rows: { ds: number; mv: number; oracle: number; dsEce: number; mvEce: number; seconds: number; iterations: number }[] = [];
    const dsConf: number[] = [];
    const dsHit: boolean[] = [];
    const mvConf: number[] = [];
    const mvHit: boolean[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const crowd = simulateCrowd({ items, classes: CLASSES, accuracies: ACCURACIES, perItem: 3, seed, errors });
      // CPU time rather than wall time: the machine is shared, and this runs on one thread.
      const c0 = process.cpuUsage();
      const ds = dawidSkene(crowd.answers, { classes: CLASSES });
      const c1 = process.cpuUsage(c0);
      const seconds = (c1.user + c1.system) / 1e6;
      const mv = majorityVote(crowd.answers, { classes: CLASSES });
      const dc: number[] = [];
      const dh: boolean[] = [];
      const mc: number[] = [];
      const mh: boolean[] = [];
      for (const [item, truth] of crowd.truth) {
        const d = ds.items.get(item)!;
        const m = mv.items.get(item)!;
        dc.push(d.confidence);
        dh.push(d.label === truth);
        mc.push(m.confidence);
        mh.push(m.label === truth);
      }
      dsConf.push(...dc);
      dsHit.push(...dh);
      mvConf.push(...mc);
      mvHit.push(...mh);
      const row = {
        ds: dh.filter(Boolean).length / dh.length,
        mv: mh.filter(Boolean).length / mh.length,
        oracle: oracleAccuracy(crowd, errors),
        dsEce: calibration(dc, dh).ece,
        mvEce: calibration(mc, mh).ece,
        seconds,
        iterations: ds.iterations,
      };
      rows.push(row);
      emit({ bench: 'labeling-consolidation', in_process: true, errors, seed, items, ...row });
    }
    const pick = (f: (r: (typeof rows)[number]) => number) => rows.map(f);
    const fmt = (xs: number[], scale = 100, digits = 2) => `${(mean(xs) * scale).toFixed(digits)} ± ${(sd(xs) * scale).toFixed(digits)}`;
    const gain = pick((r) => r.ds - r.mv);
    const dsBins = calibration(dsConf, dsHit).bins;
    const mvBins = calibration(mvConf, mvHit).bins;
    emit({
      bench: 'labeling-consolidation',
      in_process: true,
      errors,
      seeds,
      items,
      ds_accuracy: mean(pick((r) => r.ds)),
      mv_accuracy: mean(pick((r) => r.mv)),
      oracle_accuracy: mean(pick((r) => r.oracle)),
      gain_points: mean(gain) * 100,
      gain_sd_points: sd(gain) * 100,
      ds_ece: mean(pick((r) => r.dsEce)),
      mv_ece: mean(pick((r) => r.mvEce)),
      ds_seconds: mean(pick((r) => r.seconds)),
      ds_bins: dsBins.map((b) => ({ lower: b.lower, n: b.count, conf: b.confidence, acc: b.accuracy })),
      mv_bins: mvBins.map((b) => ({ lower: b.lower, n: b.count, conf: b.confidence, acc: b.accuracy })),
    });
    summary.push(
      `| ${errors} | ${fmt(pick((r) => r.ds))} | ${fmt(pick((r) => r.mv))} | **${fmt(gain)}** | ${fmt(pick((r) => r.oracle))} | ${fmt(pick((r) => r.dsEce))} | ${fmt(pick((r) => r.mvEce))} | ${mean(pick((r) => r.iterations)).toFixed(0)} | ${mean(pick((r) => r.seconds)).toFixed(2)} |`,
    );
    const binRow = (b: { count: number; confidence: number; accuracy: number }) => (b.count ? `${b.count} · ${b.confidence.toFixed(3)} → ${b.accuracy.toFixed(3)}` : '–');
    summary.push(
      `\nreliability (${errors}, ${seeds} seeds pooled; n · mean confidence → accuracy)\n| bin | Dawid–Skene | majority vote |\n|---|---|---|\n` +
        dsBins.map((b, i) => `| ${b.lower.toFixed(1)}–${b.upper.toFixed(1)} | ${binRow(b)} | ${binRow(mvBins[i])} |`).join('\n') +
        '\n',
    );
  }
  process.stderr.write(
    '\n| errors | Dawid–Skene accuracy % | majority vote % | gain, points | oracle % | DS ECE % | MV ECE % | EM iterations | DS CPU s |\n|---|---|---|---|---|---|---|---|---|\n' +
      summary.filter((s) => s.startsWith('|')).join('\n') +
      '\n' +
      summary.filter((s) => !s.startsWith('|')).join('\n') +
      '\n',
  );
}
