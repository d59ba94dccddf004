/** What a trigger remembers in `state_json`: its source's cursor, a firing under way, the last firing. */
import type { Cursor, TriggerEvent } from './sources.js';

export interface TriggerState {
  cursor: Cursor;
  /** A firing recorded before its execution starts (see the watcher's `fire`). */
  pending?: { firing: string; event: TriggerEvent; at: string };
  lastFired?: { at: string; event: TriggerEvent; execution: string | null };
  lastError?: string | null;
  /** `lastError` is the source's (cleared when it answers again), not a refused start's. */
  sourceFailing?: boolean;
}

export function readState(json: string): TriggerState {
  const parsed = JSON.parse(json) as Partial<TriggerState>;
  return { ...parsed, cursor: parsed.cursor ?? {} };
}

/** What a trigger keeps besides its source: fixed values, the map and the description. */
export interface TriggerSettings {
  fixed: Record<string, unknown>;
  map: Record<string, string>;
  description: string | null;
}
