/** A SageMaker metric definition: the first capture group of `regex` is the value. */
export interface MetricDefinitionInput {
  name: string;
  regex: string;
}

export interface MetricSample {
  name: string;
  value: number;
}

const MAX_REGEX = 500;

/**
 * Compiles metric definitions once; the returned function extracts every metric
 * found in one log line. A definition without a capture group or with an invalid
 * pattern throws, so a job is refused before it runs.
 */
export function compileMetricDefinitions(definitions: MetricDefinitionInput[]): (line: string) => MetricSample[] {
  const compiled = definitions.map((d) => {
    if (!d.name || d.name.length > 255) throw new Error('A metric needs a name of at most 255 characters');
    if (d.regex.length > MAX_REGEX) throw new Error(`Metric '${d.name}': the regex is longer than ${MAX_REGEX} characters`);
    let re: RegExp;
    try {
      re = new RegExp(d.regex);
    } catch (err) {
      throw new Error(`Metric '${d.name}': invalid regex (${(err as Error).message})`);
    }
    if (new RegExp(`${re.source}|`).exec('')!.length < 2) throw new Error(`Metric '${d.name}': the regex needs a capture group for the value`);
    return { name: d.name, re };
  });
  return (line) => {
    const out: MetricSample[] = [];
    for (const { name, re } of compiled) {
      const m = re.exec(line);
      if (!m || m[1] === undefined) continue;
      const value = Number(m[1]);
      if (Number.isFinite(value)) out.push({ name, value });
    }
    return out;
  };
}
