import type { MetricPoint } from '../api/types';
import type { Series } from './line-chart';

/** Metrics that measure the same thing on different channels (train:rmse, validation:rmse) share a chart. */
export function groupMetrics(points: MetricPoint[]): { title: string; series: Series[] }[] {
  const byName = new Map<string, { x: number; y: number }[]>();
  for (const p of points) {
    const list = byName.get(p.name) ?? [];
    list.push({ x: p.step ?? list.length, y: p.value });
    byName.set(p.name, list);
  }
  const groups = new Map<string, Series[]>();
  for (const [name, pts] of byName) {
    const key = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    const list = groups.get(key) ?? [];
    list.push({ name, points: pts.sort((a, b) => a.x - b.x) });
    groups.set(key, list);
  }
  return [...groups].map(([title, series]) => ({ title, series }));
}
