#!/usr/bin/env node
/**
 * The workshop's sales: order lines of `items` items in `stores` stores, one CSV file per
 * week, as a shop's system would drop them into a landing folder.
 *
 *   node generate.mjs --out landing --weeks 8      # weeks 1 to 8: the history
 *   node generate.mjs --out landing --week 9       # one more week: what lands next
 *
 * Each item and store sells a steady amount scaled by the day of the week (weekends sell
 * more), with a little noise. A day's sales are split into one to three order lines, and a
 * few returns (negative units) are mixed in: the pipeline's SQL step sums the lines per day
 * and leaves the returns out. The numbers depend only on the options and the day, so a
 * week written twice is the same file.
 */
import fs from 'node:fs';
import path from 'node:path';

const USAGE = 'usage: node generate.mjs [--out DIR] (--weeks N | --week N) [--items 20] [--stores 2] [--start 2026-01-05] [--seed 7]';
/** Monday first: weekend days sell more. */
const WEEKDAY = [1.0, 0.9, 0.95, 1.05, 1.3, 1.6, 1.25];
const DAY_MS = 86_400_000;

function parseArgs(argv) {
  const opts = { out: 'landing', items: 20, stores: 2, start: '2026-01-05', seed: 7, weeks: null, week: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') fail(USAGE, 0);
    const key = flag.replace(/^--/, '');
    if (!(key in opts) || value === undefined) fail(`unknown or incomplete option '${flag}'\n${USAGE}`);
    opts[key] = key === 'out' || key === 'start' ? value : Number(value);
    i++;
  }
  for (const key of ['items', 'stores', 'seed']) if (!Number.isInteger(opts[key]) || opts[key] < 1) fail(`--${key} must be a positive integer`);
  for (const key of ['weeks', 'week']) if (opts[key] !== null && (!Number.isInteger(opts[key]) || opts[key] < 1)) fail(`--${key} must be a positive integer`);
  if ((opts.weeks === null) === (opts.week === null)) fail(`give --weeks N (weeks 1 to N) or --week N (that week only)\n${USAGE}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.start) || Number.isNaN(Date.parse(`${opts.start}T00:00:00Z`))) fail('--start must be a day, YYYY-MM-DD');
  return opts;
}

function fail(message, code = 2) {
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}

/** A number in [0, 1) from the seed and the coordinates (a small integer hash). */
function unit(...keys) {
  let h = 2166136261;
  for (const k of keys) {
    h ^= k;
    h = Math.imul(h, 16777619);
    h ^= h >>> 13;
  }
  return ((h >>> 0) % 1_000_003) / 1_000_003;
}

/** The order lines of one week (`week` from 1), with a header. */
function weekCsv(opts, week) {
  const start = Date.parse(`${opts.start}T00:00:00Z`);
  const lines = ['order_id,item_id,store_id,day,units'];
  let order = 0;
  for (let d = (week - 1) * 7; d < week * 7; d++) {
    const day = new Date(start + d * DAY_MS);
    const dow = (day.getUTCDay() + 6) % 7;
    const iso = day.toISOString().slice(0, 10);
    for (let i = 1; i <= opts.items; i++) {
      for (let s = 1; s <= opts.stores; s++) {
        const base = 6 + ((i * 7 + s * 5) % 23);
        const noise = 1 + 0.16 * (unit(opts.seed, d, i, s) - 0.5);
        let units = Math.max(1, Math.round(base * WEEKDAY[dow] * noise));
        const item = `item_${String(i).padStart(2, '0')}`;
        const store = `store_${s}`;
        const parts = 1 + Math.floor(unit(opts.seed + 1, d, i, s) * 3);
        for (let p = 0; p < parts; p++) {
          const n = p === parts - 1 ? units : Math.max(1, Math.floor(units / (parts - p)));
          if (n <= 0) break;
          units -= n;
          lines.push(`o-${week}-${++order},${item},${store},${iso},${n}`);
        }
        // About one order line in forty is a return: not demand, the SQL step drops it.
        if (unit(opts.seed + 2, d, i, s) < 0.025) lines.push(`o-${week}-${++order},${item},${store},${iso},-1`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

const opts = parseArgs(process.argv.slice(2));
fs.mkdirSync(opts.out, { recursive: true });
const weeks = opts.week !== null ? [opts.week] : Array.from({ length: opts.weeks }, (_, k) => k + 1);
for (const week of weeks) {
  const file = path.join(opts.out, `sales-week-${String(week).padStart(3, '0')}.csv`);
  fs.writeFileSync(file, weekCsv(opts, week));
  console.log(file);
}
