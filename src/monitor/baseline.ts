/**
 * A baseline: the dataset's feature columns streamed out of its Parquet copy by DuckDB
 * (as text, the form capture holds them in) into the same accumulators an execution
 * uses, so baseline and current statistics are computed alike.
 */
import { openDuckDB, sqlIdent, sqlString } from '../data/index.js';
import { suggestConstraints, type ComparisonMethod, type Constraints } from './constraints.js';
import { FeatureAccumulator, statisticsOf, type Statistics } from './statistics.js';

export interface BaselineInput {
  parquet: string;
  features: readonly string[];
  comparisonThreshold: number;
  comparisonMethod: ComparisonMethod;
  signal?: AbortSignal;
  /** Scratch space for DuckDB. */
  tempDirectory?: string;
}

export async function computeBaseline(input: BaselineInput): Promise<{ statistics: Statistics; constraints: Constraints }> {
  const db = await openDuckDB({ tempDirectory: input.tempDirectory });
  try {
    const acc = input.features.map((f) => new FeatureAccumulator(f));
    const select = input.features.map((f) => `CAST(${sqlIdent(f)} AS VARCHAR)`).join(', ');
    const result = await db.connection.stream(`SELECT ${select} FROM read_parquet(${sqlString(input.parquet)})`);
    let items = 0;
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      input.signal?.throwIfAborted();
      for (let c = 0; c < acc.length; c++) {
        const vector = chunk.getColumnVector(c);
        const a = acc[c];
        for (let r = 0; r < chunk.rowCount; r++) a.add(vector.getItem(r) as string | null);
      }
      items += chunk.rowCount;
    }
    const statistics = statisticsOf(acc, items);
    return { statistics, constraints: suggestConstraints(statistics, { comparisonThreshold: input.comparisonThreshold, comparisonMethod: input.comparisonMethod }) };
  } finally {
    db.close();
  }
}
