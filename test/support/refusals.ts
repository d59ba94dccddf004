import { expect } from 'vitest';
import { OrchardApiError } from '../../src/sdk/index.js';

/** The refusal of an SDK call (its stable code and details); anything else fails the test. */
export async function refusalOf(call: Promise<unknown>): Promise<{ code: string; details?: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OrchardApiError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected a refusal');
}

/** The stable code of a refused SDK call. */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  return (await refusalOf(call)).code;
}

/** Asserts that an SDK call is refused with `code` (one request, no `orchard` process) and returns the refusal. */
export async function refusedBySdk(call: Promise<unknown>, code: string): Promise<{ code: string; message: string; details: Record<string, any> }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(OrchardApiError);
  const e = err as OrchardApiError;
  expect(e.code, e.message).toBe(code);
  return { code: e.code, message: e.message, details: e.details ?? {} };
}
