/** Definition text (JSON or YAML) to a checked definition. */
import { parseDocument } from 'yaml';
import { errorOfProblems } from '../../core/errors.js';
import { MAX_DEFINITION_BYTES, type PipelineDefinition } from '../../contracts/pipeline-definition.contract.js';
import { validateDefinition } from './validate.js';

const syntaxError = (message: string) => errorOfProblems([{ field: 'definition', code: 'ORCH_PIPELINE_INVALID', message: `definition: ${message}` }]);

/** Line and column (1-based) of an offset in a text. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Where JSON text first goes wrong, and why. Node 20's JSON.parse names no position, so
 * this small scanner (RFC 8259's grammar) finds it.
 */
export function jsonErrorAt(text: string): { offset: number; message: string } | null {
  let i = 0;
  const fail = (message: string): never => {
    throw Object.assign(new Error(message), { offset: i });
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail(`unexpected ${describe()}`));
  const describe = () => (i >= text.length ? 'end of text' : `character ${JSON.stringify(text[i])}`);
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('a control character inside a string (a line break must be written \\n)');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('a bad escape in a string');
      }
      i++;
    }
    if (i >= text.length) fail('a string that is never closed');
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${describe()}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    if (c === 't') return void literal('true');
    if (c === 'f') return void literal('false');
    if (c === 'n') return void literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    fail(`unexpected ${describe()}, expected a value`);
  };
  const container = (close: string, object: boolean): void => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      if (object) {
        ws();
        if (text[i] !== '"') fail(`unexpected ${describe()}, expected a quoted property name`);
        string();
        ws();
        if (text[i] !== ':') fail(`unexpected ${describe()}, expected ':'`);
        i++;
      }
      value();
      ws();
      if (text[i] === ',') {
        i++;
        ws();
        if (text[i] === close) fail(`a trailing comma before '${close}'`);
        continue;
      }
      if (text[i] === close) return void i++;
      fail(`unexpected ${describe()}, expected ',' or '${close}'`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the end of the document`);
    return null;
  } catch (err) {
    return { offset: (err as { offset: number }).offset, message: (err as Error).message };
  }
}

/** JSON or YAML text to a plain value; a syntax error names its line and column. */
export function parseText(text: string, format?: 'json' | 'yaml'): unknown {
  if (text.trim() === '') throw syntaxError('the definition is empty');
  if (Buffer.byteLength(text) > MAX_DEFINITION_BYTES) throw syntaxError(`the definition is larger than ${MAX_DEFINITION_BYTES} bytes`);
  const asJson = format ? format === 'json' : text.trimStart().startsWith('{');
  if (asJson) {
    try {
      return JSON.parse(text);
    } catch {
      const at = jsonErrorAt(text) ?? { offset: 0, message: 'not valid JSON' };
      const { line, column } = lineColumn(text, at.offset);
      throw syntaxError(`not valid JSON at line ${line}, column ${column}: ${at.message}`);
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const { line, column } = lineColumn(text, err.pos[0]);
    const where = ` at line ${line}, column ${column}`;
    throw syntaxError(`not valid YAML${where}: ${err.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/**
 * A definition from text or a parsed value, checked. Text is read as JSON when it starts
 * with `{` (after white space), else as YAML, unless `format` says. Throws
 * ORCH_PIPELINE_INVALID with `details.errors` listing every problem.
 */
export function parseDefinition(input: string | unknown, format?: 'json' | 'yaml'): PipelineDefinition {
  const value = typeof input === 'string' ? parseText(input, format) : input;
  const { definition, problems } = validateDefinition(value);
  if (problems.list.length) throw errorOfProblems(problems.list);
  return definition;
}
