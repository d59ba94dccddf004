import type { JobQueue } from '../jobs/index.js';
import type { PlatformLog } from './platform-log.js';

/** A capability with queued work: enqueues again what its records say is unfinished. */
export interface LostJobOwner {
  requeueLost(): Promise<number>;
}

/**
 * The metadata DB knows which jobs are acknowledged and unfinished; the queue may not (a
 * Redis without persistence restarted). At start, and whenever the queue reports lost
 * jobs, every capability with queued work enqueues again what is missing. A capability
 * that queues work (endpoints, tuning) adds its `requeueLost` to the list in
 * startPlatform.
 */
export async function watchForLostJobs(queue: JobQueue, owners: LostJobOwner[], log: PlatformLog): Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const reconcile = () => {
    running = running.then(async () => {
      for (const owner of owners) {
        const n = await owner.requeueLost().catch((err: unknown) => {
          log.error('re-enqueueing lost jobs failed', err);
          return 0;
        });
        if (n > 0) log.warn('the job queue had lost jobs; enqueued them again', { requeued: n });
      }
    });
    return running;
  };
  queue.onJobsLost(() => void reconcile());
  await reconcile();
}
