import { describeArtifactStoreContract } from '../storage/artifact-store.contract.js';
import { MemoryArtifactStore } from './test-artifact-store.js';

describeArtifactStoreContract('in-memory fake', async () => ({
  store: new MemoryArtifactStore(),
  cleanup: async () => undefined,
  noRawReason: 'the in-memory fake keeps no files or records (.orchard/meta, .orchard/tmp) to inspect or corrupt',
}));
