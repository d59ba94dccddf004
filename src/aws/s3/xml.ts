import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** S3's XML namespace, on every answer's root element. */
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

// Request bodies are small documents of S3's schemas: no entities beyond XML's own, values
// kept as strings (a key `007` stays `007`), repeated elements always arrays.
const REPEATED = new Set(['Object', 'Part']);
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) => REPEATED.has(name),
});

/** An answer document: `{Root: {...}}` with S3's namespace on the root. */
export function xmlDocument(doc: Record<string, unknown>): string {
  const [root] = Object.keys(doc);
  const body = root === 'Error' ? doc : { [root]: { '@_xmlns': S3_NS, ...(doc[root] as object) } };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(body) as string}`;
}

/** Parses a request document; undefined when it is not well-formed. */
export function parseXml(text: string): Record<string, unknown> | undefined {
  try {
    return parser.parse(text, true) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
