/**
 * Which raw column each feature of a fitted recipe comes from, so that explanations and
 * importance speak of the columns a user sent (`color`) rather than the model's features
 * (`color_red`, `color_blue`). Read from the fitted recipe's own record: its input and
 * output columns and its renames. The steps that make several features of one column
 * name them `<column>_<suffix>` (one-hot `color_red`, dates `when_month`, tf-idf
 * `text_tfidf_3`), so a feature belongs to the longest raw (or renamed) name it extends;
 * a feature that matches none (a new name) stands for itself.
 */

interface FittedShape {
  spec: { target?: string; steps: unknown[] };
  inputColumns: ReadonlyArray<{ name: string }>;
  outputColumns: ReadonlyArray<{ name: string }>;
}

/** One raw column name per feature (the output columns without the target), in feature order. */
export function featureSources(fitted: FittedShape): string[] {
  const target = fitted.spec.target;
  // Every name a column has had, to the raw column it started as.
  const origin = new Map<string, string>();
  for (const c of fitted.inputColumns) if (c.name !== target) origin.set(c.name, c.name);
  for (const step of fitted.spec.steps) {
    const rename = (step as { rename?: { columns?: Record<string, string> } } | null)?.rename?.columns;
    if (!rename) continue;
    for (const [from, to] of Object.entries(rename)) origin.set(to, origin.get(from) ?? from);
  }
  const names = [...origin.keys()].sort((a, b) => b.length - a.length);
  return fitted.outputColumns
    .filter((c) => c.name !== target)
    .map((c) => {
      const exact = origin.get(c.name);
      if (exact !== undefined) return exact;
      const base = names.find((n) => c.name.startsWith(`${n}_`));
      return base === undefined ? c.name : origin.get(base)!;
    });
}
