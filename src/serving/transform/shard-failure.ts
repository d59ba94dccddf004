import { isStorageFull } from '../../core/index.js';

/** What a shard's child process left behind when it ended. */
export interface ShardExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Its last output lines. */
  tail: string[];
}

/**
 * A failed shard's reason, as the transform job reports it. A shard that ran out of disk
 * (DuckDB's spill or the output Parquet; only the child's message survives) says so with
 * `ORCH_STORAGE_FULL`, the code uploads and training jobs give for the same cause.
 */
export function shardFailureReason(shard: number, attempt: number, exit: ShardExit, dataError: boolean): string {
  const lines = exit.tail.filter((l) => !l.startsWith('#rows'));
  const said = (dataError ? lines : lines.slice(-5)).join(' ').trim();
  if (isStorageFull({ message: said })) {
    return `ORCH_STORAGE_FULL: The server is out of storage space while transforming shard ${shard}; free some and retry (${said})`;
  }
  if (dataError) return `Shard ${shard}: ${said}`;
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with ${exit.exitCode}`;
  return `Shard ${shard} attempt ${attempt} ${how}: ${said}`;
}
