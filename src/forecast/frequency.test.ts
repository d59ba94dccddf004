import { describe, expect, it } from 'vitest';
import { DAY, gridTime, gridTimes, mainSeason, seasonsOf } from './frequency.js';

describe('forecast frequencies', () => {
  it('names the seasons of each frequency in grid steps', () => {
    expect(seasonsOf('D')).toEqual([7, 365.25]);
    expect(seasonsOf('H')).toEqual([24, 168]);
    expect(seasonsOf('M')).toEqual([12]);
    expect(seasonsOf('W')).toEqual([52.18]);
  });

  it('keeps only seasons the history holds twice', () => {
    expect(mainSeason('D', 200)).toEqual({ season: 7, seasons: [7] });
    expect(mainSeason('D', 3 * 365)).toEqual({ season: 7, seasons: [7, 365.25] });
    expect(mainSeason('M', 20)).toEqual({ season: 1, seasons: [1] });
    expect(mainSeason('W', 120)).toEqual({ season: 52, seasons: [52.18] });
  });

  it('maps grid indices back to calendar instants', () => {
    const anchor = Date.UTC(2024, 0, 1);
    expect(new Date(gridTime('D', 31, anchor)).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(gridTimes('H', 2, 3, anchor)[2] - anchor).toBe(4 * 3_600_000);
    // Months are calendar periods: 2023·12 + 11 is December 2023, one more is January 2024.
    expect(new Date(gridTime('M', 2023 * 12 + 11, 0)).toISOString()).toBe('2023-12-01T00:00:00.000Z');
    expect(new Date(gridTime('M', 2024 * 12, 0)).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(gridTime('Y', 2030, 0)).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(gridTime('W', 2, anchor) - anchor).toBe(14 * DAY);
  });
});
