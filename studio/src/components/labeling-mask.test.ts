import { describe, expect, it } from 'vitest';
import { overlayPixels } from './labeling-mask';

describe('a mask overlay', () => {
  it('keeps the classes’ colours half transparent and clears the rest', () => {
    const px = new Uint8ClampedArray([0x2c, 0xa0, 0x2c, 255, 255, 255, 255, 255, 0x1f, 0x77, 0xb4, 255, 1, 2, 3, 255]);
    expect([...overlayPixels(px, [{ color: '#2ca02c' }, { color: '#1f77b4' }])]).toEqual([0x2c, 0xa0, 0x2c, 128, 0, 0, 0, 0, 0x1f, 0x77, 0xb4, 128, 0, 0, 0, 0]);
  });
});
