/** How a {@link CanvasCompositor} arranges its sources. */
export type CompositorLayout = 'grid' | 'pip' | 'focus';

/** A rectangle on the canvas, in pixels. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

const GAP = 8;

function grid(count: number, width: number, height: number): Tile[] {
  const columns = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / columns);
  const w = (width - GAP * (columns + 1)) / columns;
  const h = (height - GAP * (rows + 1)) / rows;
  return Array.from({ length: count }, (_, i) => {
    const row = Math.floor(i / columns);
    // The last row is centred when it is not full.
    const inRow = row === rows - 1 ? count - row * columns : columns;
    const offset = ((columns - inRow) * (w + GAP)) / 2;
    return { x: GAP + offset + (i % columns) * (w + GAP), y: GAP + row * (h + GAP), width: w, height: h };
  });
}

/**
 * Where each of `count` sources goes in `layout` on a `width`×`height` canvas; `focus` is the index
 * of the main source (for `pip` and `focus`). Tiles are listed in source order.
 *
 * - `grid`: equal tiles, as square a grid as fits.
 * - `pip`: the focused source fills the canvas; the others are small, stacked up from the
 *   bottom-right corner.
 * - `focus`: the focused source takes the left three quarters; the others share a column on the
 *   right.
 */
export function layoutTiles(
  layout: CompositorLayout,
  count: number,
  width: number,
  height: number,
  focus = 0,
): Tile[] {
  if (count === 0) return [];
  const main = Math.min(Math.max(0, focus), count - 1);
  if (layout === 'grid' || count === 1) {
    return count === 1 ? [{ x: 0, y: 0, width, height }] : grid(count, width, height);
  }
  const tiles: Tile[] = new Array<Tile>(count);
  const others = [...Array(count).keys()].filter((i) => i !== main);
  if (layout === 'pip') {
    tiles[main] = { x: 0, y: 0, width, height };
    const w = width / 4;
    const h = height / 4;
    others.forEach((source, k) => {
      tiles[source] = { x: width - w - GAP, y: height - (h + GAP) * (k + 1), width: w, height: h };
    });
    return tiles;
  }
  const side = width / 4;
  tiles[main] = { x: 0, y: 0, width: width - side, height };
  const h = (height - GAP * (others.length + 1)) / others.length;
  others.forEach((source, k) => {
    tiles[source] = { x: width - side + GAP, y: GAP + k * (h + GAP), width: side - 2 * GAP, height: h };
  });
  return tiles;
}
