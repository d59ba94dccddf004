import { isOrchardError } from '../core/index.js';

/** A job's failure, with the reason the job reports: the controller ends the job Failed with it. */
export class JobFailure extends Error {}

/** Awaits a create; "exists" (`code`) counts as created, so a step taken before a restart is not an error. */
export async function ignoreExists(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(isOrchardError(err) && err.code === code)) throw err;
  }
}
