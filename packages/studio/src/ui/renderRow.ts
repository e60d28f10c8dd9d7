import type { ColumnItem } from '../ColumnItem.js';
import { h, setText } from './dom.js';

/** A hue from a string, so one peer keeps one avatar colour everywhere. */
function hueOf(seed: string): number {
  let hash = 0;
  for (let i = 0; i < seed.length; i++) hash = (hash * 31 + seed.charCodeAt(i)) | 0;
  return Math.abs(hash) % 360;
}

const PARTS = ['icon', 'label', 'detail', 'badge', 'chevron'] as const;

/** Draws (or redraws in place) one list row for `item`. */
export function renderRow(row: HTMLLIElement, item: ColumnItem): void {
  if (!row.firstChild) {
    row.append(...PARTS.map((name) => h('span', { class: `mws-item__${name}` })));
    row.firstElementChild?.setAttribute('aria-hidden', 'true');
    row.lastElementChild?.setAttribute('aria-hidden', 'true');
  }
  const [icon, label, detail, badge, chevron] = [...row.children] as HTMLElement[];
  if (!icon || !label || !detail || !badge || !chevron) return;
  icon.classList.toggle('mws-item__icon--avatar', item.avatar !== undefined);
  if (item.avatar !== undefined) {
    setText(icon, (item.label.trim()[0] ?? '?').toUpperCase());
    icon.style.setProperty('--mws-hue', String(hueOf(item.avatar)));
  } else {
    setText(icon, item.icon ?? '');
    icon.style.removeProperty('--mws-hue');
  }
  setText(label, item.label);
  setText(detail, item.detail ?? '');
  detail.hidden = !item.detail;
  setText(badge, item.badge ?? '');
  badge.hidden = !item.badge;
  setText(chevron, item.opens ? '›' : '');
  row.dataset.tone = item.tone ?? 'default';
  row.title = item.detail ? `${item.label} — ${item.detail}` : item.label;
}
