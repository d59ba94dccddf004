import { describe, expect, it } from 'vitest';
import { OrchardError } from './errors.js';
import { asStorageFull, isStorageFull } from './storage-full.js';

const errno = (code: string, message = `${code}: failed, write`) => Object.assign(new Error(message), { code });

describe('a full disk', () => {
  it('is recognised by its errno code, through causes, and by the messages that carry it', () => {
    expect(isStorageFull(errno('ENOSPC'))).toBe(true);
    expect(isStorageFull(errno('EDQUOT'))).toBe(true);
    expect(isStorageFull(errno('SQLITE_FULL', 'database or disk is full'))).toBe(true);
    const wrapped = new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', { cause: new Error('stream failed', { cause: errno('ENOSPC') }) });
    expect(isStorageFull(wrapped)).toBe(true);
    // DuckDB reports it in a message only.
    expect(isStorageFull(new Error('IO Error: Could not write file "/h/work/x.parquet": No space left on device'))).toBe(true);
    expect(isStorageFull(errno('EACCES'))).toBe(false);
    expect(isStorageFull(errno('EPIPE'))).toBe(false);
    expect(isStorageFull(undefined)).toBe(false);
    expect(isStorageFull('ENOSPC')).toBe(false);
    const loop: { cause?: unknown } = new Error('a');
    loop.cause = loop;
    expect(isStorageFull(loop)).toBe(false);
  });

  it('becomes ORCH_STORAGE_FULL (507), except for a client mistake, which keeps its code', () => {
    const full = asStorageFull(errno('ENOSPC'), 'storing the model') as OrchardError;
    expect(full).toBeInstanceOf(OrchardError);
    expect(full).toMatchObject({ code: 'ORCH_STORAGE_FULL', status: 507 });
    expect(full.message).toMatch(/out of storage space while storing the model/);
    const mistake = new OrchardError('ORCH_DATASET_NUL_BYTE', { cause: errno('ENOSPC') });
    expect(asStorageFull(mistake)).toBe(mistake);
    const other = errno('EACCES');
    expect(asStorageFull(other)).toBe(other);
  });
});
