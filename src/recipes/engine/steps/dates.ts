/** Date features: date_parts. */
import { CYCLE, DATE_PARTS, type DatePart, cyclic, datePart } from '../math.js';
import { type Col, type Value, kindOf, sqlDouble } from '../values.js';
import type { StepDef } from './types.js';
import { id, ONE, index, replaceCols, replaceSql, replaceJs, needKind } from './helpers.js';

interface DatePartsOpt {
  columns: string[];
  parts: DatePart[];
  cyclic: boolean;
  keep: boolean;
}

function datePartNames(o: DatePartsOpt, c: Col): Array<{ name: string; part: DatePart; trig?: 'sin' | 'cos' }> {
  const out: Array<{ name: string; part: DatePart; trig?: 'sin' | 'cos' }> = [];
  for (const part of o.parts) {
    out.push({ name: `${c.name}_${part}`, part });
    if (o.cyclic && CYCLE[part]) {
      out.push({ name: `${c.name}_${part}_sin`, part, trig: 'sin' });
      out.push({ name: `${c.name}_${part}_cos`, part, trig: 'cos' });
    }
  }
  return out;
}

const PART_SQL: Record<DatePart, string> = {
  year: 'year',
  month: 'month',
  day: 'day',
  weekday: 'isodow',
  hour: 'hour',
  minute: 'minute',
  dayofyear: 'dayofyear',
};

export const date_parts: StepDef<DatePartsOpt, null> = {
  validate(o) {
    o.only('columns', 'parts', 'cyclic', 'keep');
    let parts: DatePart[] = ['year', 'month', 'day', 'weekday', 'hour'];
    const raw = o.raw.parts;
    if (raw !== undefined) {
      if (!Array.isArray(raw) || raw.length === 0 || raw.some((p) => !DATE_PARTS.includes(p as DatePart))) {
        o.problem(`must be a non-empty list of ${DATE_PARTS.join(', ')}`, `${o.field}.parts`);
      } else parts = [...new Set(raw as DatePart[])];
    }
    return { columns: o.columns(), parts, cyclic: o.boolean('cyclic', true), keep: o.boolean('keep', false) };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, (t) => kindOf(t) === 'date' || kindOf(t) === 'string', 'date_parts needs a date, a timestamp or text holding dates', problem),
  columns(o, _p, cols) {
    return replaceCols(cols, o.columns, (c) => [
      ...(o.keep ? [{ name: c.name, type: c.type, from: c.name }] : []),
      ...datePartNames(o, c).map((d) => ({ name: d.name, type: 'DOUBLE', from: c.name })),
    ]);
  },
  sql(o, _p, cols, env) {
    const ts = (c: Col) =>
      kindOf(c.type) === 'date' ? `CAST(${id(c.name)} AS TIMESTAMP)` : `make_timestamp(CAST(orch_date_ms(${id(c.name)}) AS BIGINT) * 1000)`;
    const tsName = (c: Col) => `__orch_ts_${env.id}_${o.columns.indexOf(c.name)}`;
    const inner = `(SELECT *, ${o.columns.map((n) => `${ts(cols[index(cols, n)])} AS ${id(tsName(cols[index(cols, n)]))}`).join(', ')} FROM ${env.src}) AS ${id(`__orch_${env.id}`)}`;
    return {
      sql: replaceSql(
        env,
        cols,
        o.columns,
        (c) => {
          const t = id(tsName(c));
          const items: Array<[string, string]> = o.keep ? [[c.name, id(c.name)]] : [];
          for (const d of datePartNames(o, c)) {
            let part = `CAST(${PART_SQL[d.part]}(${t}) AS DOUBLE)`;
            if (d.part === 'weekday') part = `(${part} - ${ONE})`;
            if (!d.trig) items.push([d.name, part]);
            else {
              const cycle = CYCLE[d.part]!;
              items.push([d.name, `orch_cyclic(${part} - ${sqlDouble(cycle.start)}, ${sqlDouble(cycle.period)}, ${d.trig === 'cos' ? 'TRUE' : 'FALSE'})`]);
            }
          }
          return items;
        },
        inner,
      ),
    };
  },
  js(o, _p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const names = datePartNames(o, c);
      return (v) => {
        const out: Value[] = o.keep ? [v] : [];
        for (const d of names) {
          if (v === null) {
            out.push(null);
            continue;
          }
          const part = datePart(v as number, d.part);
          if (!d.trig) out.push(part);
          else {
            const cycle = CYCLE[d.part]!;
            out.push(cyclic(part - cycle.start, cycle.period, d.trig === 'cos'));
          }
        }
        return out;
      };
    });
  },
};
