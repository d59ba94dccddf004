import { describe, expect, it } from 'vitest';
import { OrchardError } from '../core/errors.js';
import { toOrchardError } from './errors.js';

const errno = (code: string, message = `${code}: failed, write`) => Object.assign(new Error(message), { code });

describe('errors leaving the API', () => {
  it('reaches an API client as 507 ORCH_STORAGE_FULL however it was wrapped', () => {
    for (const err of [
      errno('ENOSPC'),
      new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', { message: "Writing artifact 'k' failed: ENOSPC", cause: errno('ENOSPC') }),
      new OrchardError('ORCH_INTERNAL', { cause: new Error('IO Error: No space left on device') }),
    ]) {
      expect(toOrchardError(err).toJSON()).toMatchObject({ code: 'ORCH_STORAGE_FULL' });
      expect(toOrchardError(err).status).toBe(507);
    }
    expect(toOrchardError(errno('EACCES')).code).toBe('ORCH_INTERNAL');
  });
});
