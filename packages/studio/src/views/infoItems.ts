import type { ColumnItem } from '../ColumnItem.js';
import { preview } from '../ui/format.js';

/** Prefix of an info key's item id; `keyOf` takes it off again. */
const KEY = 'key:';

/** One row per key of an info pool (peer info and room info alike), searchable by value. */
export function infoItems(info: Record<string, unknown>): ColumnItem[] {
  return Object.entries(info).map(([key, value]) => ({
    id: `${KEY}${key}`,
    label: key,
    detail: preview(value, 40),
    icon: '·',
    opens: true,
    keywords: preview(value, 400),
  }));
}

/** The info key an item of {@link infoItems} stands for. */
export function keyOf(item: ColumnItem): string {
  return item.id.slice(KEY.length);
}
