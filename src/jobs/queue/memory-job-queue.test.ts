import type { JobQueue } from './job-queue.js';
import { describeJobQueueContract } from './job-queue.contract.js';
import { createMemoryJobQueue, MemoryJobStore } from './memory-job-queue.js';

// The fake keeps its jobs in the store object, so a "restart" closes the handles and
// keeps the store, as a server restart keeps the database.
describeJobQueueContract('in-memory fake', async () => {
  const store = new MemoryJobStore();
  const handles: JobQueue[] = [];
  const closeAll = async () => {
    await Promise.all(handles.splice(0).map((q) => q.close()));
  };
  return {
    async open() {
      const queue = createMemoryJobQueue(store);
      handles.push(queue);
      return queue;
    },
    restart: closeAll,
    cleanup: closeAll,
  };
});
