import { describe, expect, it } from 'vitest';
import { clampView, cssTransform, IDENTITY, MAX_SCALE, panBy, STEP, toImage, toViewport, wheelFactor, zoomAbout } from './labeling-zoom';

const VP = { width: 400, height: 300 };
const IMG = { width: 800, height: 600 };

describe('the zoom and pan transform', () => {
  it('maps viewport points to image pixels at rest', () => {
    expect(toImage(IDENTITY, 0, 0, VP, IMG)).toEqual({ x: 0, y: 0 });
    expect(toImage(IDENTITY, 200, 150, VP, IMG)).toEqual({ x: 400, y: 300 });
    expect(toImage(IDENTITY, 500, -5, VP, IMG)).toEqual({ x: 800, y: 0 });
  });

  it('zooms about the pointer: the image point under it stays under it', () => {
    const before = toImage(IDENTITY, 100, 60, VP, IMG);
    const v = zoomAbout(IDENTITY, 4, 100, 60, VP);
    expect(v.scale).toBe(4);
    const after = toImage(v, 100, 60, VP, IMG);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    // Zoomed twice about different points, then a point round-trips through both directions.
    const w = zoomAbout(v, STEP, 300, 200, VP);
    const p = toImage(w, 123, 77, VP, IMG);
    const q = toViewport(w, p.x, p.y, VP, IMG);
    expect(q.x).toBeCloseTo(123, 9);
    expect(q.y).toBeCloseTo(77, 9);
    // A 10-pixel drag at 4x covers 10 / 4 viewport pixels of the unzoomed stage: 5 image pixels here.
    const a = toImage(v, 100, 60, VP, IMG);
    const b = toImage(v, 110, 60, VP, IMG);
    expect(b.x - a.x).toBeCloseTo(5, 9);
  });

  it('keeps the scale within its limits and the stage over the viewport', () => {
    expect(zoomAbout(IDENTITY, 1 / 2, 10, 10, VP)).toEqual(IDENTITY);
    expect(zoomAbout({ scale: 30, x: 0, y: 0 }, 4, 0, 0, VP).scale).toBe(MAX_SCALE);
    const v = zoomAbout(IDENTITY, 2, 200, 150, VP);
    expect(v).toEqual({ scale: 2, x: -200, y: -150 });
    expect(panBy(v, 500, 0, VP)).toEqual({ scale: 2, x: 0, y: -150 });
    expect(panBy(v, -500, -500, VP)).toEqual({ scale: 2, x: -400, y: -300 });
    expect(panBy(IDENTITY, 30, 30, VP)).toEqual(IDENTITY);
    expect(clampView({ scale: 1, x: -3, y: 4 }, VP)).toEqual(IDENTITY);
    expect(cssTransform(v)).toBe('translate(-200px, -150px) scale(2)');
  });

  it('turns wheel deltas into zoom factors: forward zooms in', () => {
    expect(wheelFactor(-100, 0)).toBeCloseTo(STEP, 9);
    expect(wheelFactor(100, 0)).toBeCloseTo(1 / STEP, 9);
    expect(wheelFactor(-3, 1)).toBeCloseTo(Math.pow(STEP, 0.99), 9);
    expect(wheelFactor(-100000, 0)).toBeCloseTo(Math.pow(STEP, 5), 9);
  });
});
