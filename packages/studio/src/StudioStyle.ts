import css from './style.css';

/** Marks the `<style>` Studio injected, so every Studio instance (and copy of Studio) shares it. */
const MARK = 'data-mws-studio-style';

/** Set on Studio's root by its stylesheet: the rules apply already, from whichever source. */
const APPLIED = '--mws-studio-style';

/**
 * Makes sure Studio's theme applies to `root` (already in the page), adding it at most once per
 * document or shadow root. Nothing is added when the page loaded the theme itself: a
 * `<link href=".../studio/style.css">` (applied, or still loading) or a bundler's
 * `import '@mwse/studio/style.css'`. The `<style>` goes first in `<head>`, so the page's own
 * stylesheets, which come after it, win over it on equal specificity.
 */
export function ensureStudioStyle(root: HTMLElement): void {
  const scope = root.getRootNode();
  const container: Document | ShadowRoot = scope instanceof ShadowRoot ? scope : root.ownerDocument;
  if (container.querySelector(`style[${MARK}]`)) return;
  if (getComputedStyle(root).getPropertyValue(APPLIED).trim() !== '') return;
  const links = container.querySelectorAll<HTMLLinkElement>('link[rel~="stylesheet"][href]');
  if ([...links].some((link) => /(^|\/)studio\/style\.css([?#]|$)/.test(link.href))) return;
  const doc = root.ownerDocument;
  const style = doc.createElement('style');
  style.setAttribute(MARK, '');
  style.textContent = css;
  const parent = container instanceof ShadowRoot ? container : (doc.head ?? doc.documentElement);
  parent.prepend(style);
}
