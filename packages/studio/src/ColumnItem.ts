/** Colour of an item's badge and text: what state it shows at a glance. */
export type Tone = 'default' | 'muted' | 'accent' | 'good' | 'warn' | 'bad';

/** One row of a {@link Column}'s list. */
export interface ColumnItem {
  /** Stable within its column: selection and live updates follow it. */
  id: string;
  label: string;
  /** Secondary text, dimmed, after the label. */
  detail?: string;
  /** A small pill at the end of the row (a count, a state). */
  badge?: string;
  tone?: Tone;
  /** A short glyph before the label. */
  icon?: string;
  /** Draws a round avatar with the label's initial, its colour derived from this seed. */
  avatar?: string;
  /** Rows with the same group sit under one heading, in the order they come. */
  group?: string;
  /** Shows a chevron: choosing it opens a column to the right. */
  opens?: boolean;
  /** A navigation row (a room's "Info", "Traffic") that the header's count leaves out. */
  aside?: boolean;
  /** More text the search box matches (an id, a value). */
  keywords?: string;
}

/** True when `item` matches every word of `query` (case-insensitive). */
export function matches(item: ColumnItem, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = [item.label, item.detail, item.badge, item.group, item.keywords]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return words.every((word) => text.includes(word));
}
