/** class_imbalance: counts the training channel's labels, once, when the attempt starts. */
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import { judgeClassCounts, type Verdict } from './rules.js';

/** Rows read at most: enough to judge the balance of any real dataset, bounded in time. */
const MAX_ROWS = 2_000_000;

export interface LabelSource {
  files: string[];
  contentType: string;
  /** The CSV's first row names its columns. */
  header: boolean;
}

/** Splits one CSV line (quotes allowed, no newline inside a field). */
function fields(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (out.push(cur), (cur = ''));
    else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Counts the values of the label column (`labels`: a column name when the CSV has a
 * header, else a 0-based index; by default the first column, where built-ins read the
 * target) and judges them against `threshold`.
 */
export async function classImbalance(source: LabelSource | undefined, labels: string | null, threshold: number): Promise<Verdict> {
  if (!source) return { status: 'Error', message: 'The job has no such channel' };
  if (source.contentType.split(';')[0].trim() !== 'text/csv') return { status: 'Error', message: `class_imbalance reads CSV channels (this one is ${source.contentType})` };
  let column: number | null = labels === null ? 0 : /^\d+$/.test(labels) ? Number(labels) : null;
  if (column === null && !source.header) return { status: 'Error', message: `labels '${labels}' names a column, but the channel's CSV has no header: give a 0-based column index` };
  const counts = new Map<string, number>();
  let rows = 0;
  for (const file of source.files) {
    const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let first = true;
    for await (const line of lines) {
      if (first && source.header) {
        first = false;
        if (column === null) {
          column = fields(line).map((f) => f.trim()).indexOf(labels!);
          if (column < 0) {
            lines.close();
            return { status: 'Error', message: `The channel has no column '${labels}'` };
          }
        }
        continue;
      }
      first = false;
      if (line.trim() === '') continue;
      const value = fields(line)[column!]?.trim() ?? '';
      counts.set(value, (counts.get(value) ?? 0) + 1);
      if (++rows >= MAX_ROWS) break;
    }
    lines.close();
    if (rows >= MAX_ROWS) break;
  }
  return judgeClassCounts(counts, threshold);
}
