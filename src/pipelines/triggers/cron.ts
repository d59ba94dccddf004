/**
 * Cron schedules in a time zone. Parsing and the next-fire computation are cron-parser's
 * (it walks wall-clock time in the zone with luxon), held to the classic 5 fields.
 *
 * Around DST changes, as cron-parser does it: a wall-clock time that does not exist on a
 * spring-forward day (02:30 in Paris on the last Sunday of March) fires at the first valid
 * time after the jump (03:30 CEST); a time that exists twice on a fall-back day fires once,
 * at its first occurrence. Steps (`*\/30`) follow the wall clock on both sides of the change.
 */
import { CronExpressionParser } from 'cron-parser';
import { OrchardError } from '../../core/index.js';

/** Throws ORCH_TRIGGER_INVALID unless `zone` is an IANA zone this runtime knows. */
export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new OrchardError('ORCH_TRIGGER_INVALID', { message: `Unknown time zone '${zone}': use an IANA name such as UTC or Europe/Paris`, details: { field: 'timezone', timezone: zone } });
  }
}

/** Checks a 5-field cron expression (minute hour day-of-month month day-of-week) and a zone. */
export function checkCron(cron: string, zone: string): void {
  checkTimeZone(zone);
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new OrchardError('ORCH_TRIGGER_INVALID', { message: `A cron expression has 5 fields (minute hour day-of-month month day-of-week), got ${fields.length} in '${cron}'`, details: { field: 'cron', cron } });
  }
  try {
    CronExpressionParser.parse(cron, { tz: zone, strict: false });
  } catch (err) {
    throw new OrchardError('ORCH_TRIGGER_INVALID', { message: `Invalid cron expression '${cron}': ${(err as Error).message}`, details: { field: 'cron', cron } });
  }
}

/** The first time strictly after `after` that the schedule fires. */
export function nextFire(cron: string, zone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { tz: zone, currentDate: after }).next().toDate();
}
