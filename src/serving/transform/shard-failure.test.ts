import { describe, expect, it } from 'vitest';
import { shardFailureReason } from './shard-failure.js';

describe('shard failure reasons', () => {
  it('names a full disk with ORCH_STORAGE_FULL, whatever the shard printed around it', () => {
    const tail = ['#rows 4096', 'IO Error: Could not write file "out.parquet": No space left on device'];
    const reason = shardFailureReason(3, 1, { exitCode: 1, signal: null, tail }, false);
    expect(reason).toMatch(/^ORCH_STORAGE_FULL: .*shard 3.*No space left on device/);
    expect(shardFailureReason(3, 1, { exitCode: 2, signal: null, tail }, true)).toMatch(/^ORCH_STORAGE_FULL: /);
  });

  it('keeps the data error and the crash as they were', () => {
    expect(shardFailureReason(2, 1, { exitCode: 2, signal: null, tail: ['#rows 10', 'Row 11: 3 features, the model takes 4'] }, true)).toBe('Shard 2: Row 11: 3 features, the model takes 4');
    expect(shardFailureReason(0, 2, { exitCode: null, signal: 'SIGKILL', tail: ['a', 'b'] }, false)).toBe('Shard 0 attempt 2 was killed (SIGKILL): a b');
    expect(shardFailureReason(0, 1, { exitCode: 1, signal: null, tail: ['1', '2', '3', '4', '5', '6'] }, false)).toBe('Shard 0 attempt 1 exited with 1: 2 3 4 5 6');
  });
});
