/** JSON-schema pieces the job routes share. */

/** A string-to-string map (hyperparameters, tags) with SageMaker-style limits. */
export const stringMap = (maxValue: number, maxProperties: number) =>
  ({ type: 'object', additionalProperties: { type: 'string', maxLength: maxValue }, maxProperties }) as const;

/** SageMaker's metric definitions: a name and a regex whose first group is the value. */
export const metricDefinitions = {
  type: 'array',
  maxItems: 40,
  items: {
    type: 'object',
    required: ['name', 'regex'],
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, regex: { type: 'string', minLength: 1, maxLength: 500 } },
  },
} as const;
