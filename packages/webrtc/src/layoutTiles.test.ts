import { describe, expect, it } from 'vitest';
import { layoutTiles, type Tile } from './layoutTiles.js';

const inside = (t: Tile, w: number, h: number) => t.x >= 0 && t.y >= 0 && t.x + t.width <= w + 1e-9 && t.y + t.height <= h + 1e-9;
const overlap = (p: Tile, q: Tile) => p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;

describe('layoutTiles', () => {
  it('gives nothing for no sources, and the whole canvas to a single one in every layout', () => {
    for (const layout of ['grid', 'pip', 'focus'] as const) {
      expect(layoutTiles(layout, 0, 1280, 720)).toEqual([]);
      expect(layoutTiles(layout, 1, 1280, 720)).toEqual([{ x: 0, y: 0, width: 1280, height: 720 }]);
    }
  });

  it('grid: equal tiles that stay inside the canvas and do not overlap', () => {
    for (let count = 2; count <= 10; count++) {
      const tiles = layoutTiles('grid', count, 1280, 720);
      expect(tiles).toHaveLength(count);
      for (const tile of tiles) {
        expect(inside(tile, 1280, 720)).toBe(true);
        expect(tile.width).toBeCloseTo(tiles[0]!.width);
      }
      for (let i = 0; i < count; i++) for (let j = i + 1; j < count; j++) expect(overlap(tiles[i]!, tiles[j]!)).toBe(false);
    }
    // 2 side by side, 3 and 4 in two rows, 5 in three columns.
    expect(layoutTiles('grid', 2, 1280, 720).map((t) => t.y)).toEqual([8, 8]);
    expect(new Set(layoutTiles('grid', 4, 1280, 720).map((t) => t.y)).size).toBe(2);
    expect(new Set(layoutTiles('grid', 5, 1280, 720).map((t) => t.x)).size).toBeGreaterThanOrEqual(3);
  });

  it('pip: the focused source fills the canvas, the others are small in the bottom-right corner', () => {
    const tiles = layoutTiles('pip', 3, 1280, 720, 1);
    expect(tiles[1]).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    for (const i of [0, 2]) {
      expect(tiles[i]!.width).toBe(320);
      expect(tiles[i]!.x + tiles[i]!.width).toBeGreaterThan(1200);
      expect(inside(tiles[i]!, 1280, 720)).toBe(true);
    }
    expect(overlap(tiles[0]!, tiles[2]!)).toBe(false);
  });

  it('focus: the focused source on the left three quarters, the others in a column on the right', () => {
    const tiles = layoutTiles('focus', 4, 1280, 720, 2);
    expect(tiles[2]).toEqual({ x: 0, y: 0, width: 960, height: 720 });
    for (const i of [0, 1, 3]) {
      expect(tiles[i]!.x).toBeGreaterThanOrEqual(960);
      expect(inside(tiles[i]!, 1280, 720)).toBe(true);
    }
    expect(overlap(tiles[0]!, tiles[1]!) || overlap(tiles[1]!, tiles[3]!)).toBe(false);
  });

  it('an out-of-range focus falls back to a valid source', () => {
    expect(layoutTiles('pip', 2, 100, 100, 9)[1]).toEqual({ x: 0, y: 0, width: 100, height: 100 });
    expect(layoutTiles('pip', 2, 100, 100, -1)[0]).toEqual({ x: 0, y: 0, width: 100, height: 100 });
  });
});
