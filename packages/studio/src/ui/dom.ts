/** What {@link h} sets on a new element. */
export interface ElementProps {
  class?: string;
  /** Plain text: never parsed as HTML, so peer-supplied strings are safe here. */
  text?: string;
  attrs?: Record<string, string>;
}

/**
 * Makes an element. Studio renders peer-controlled data (info, messages, room names), so it only
 * ever sets `textContent` and attributes, never HTML.
 *
 * @example h('button', { class: 'mws-button', text: 'Send' })
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Array<Node | string | undefined>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** Sets `text` only when it differs, so live updates do not disturb a selection or a screen reader. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Sets or removes a boolean-ish attribute. */
export function toggleAttr(element: Element, name: string, on: boolean, value = ''): void {
  if (on) element.setAttribute(name, value);
  else element.removeAttribute(name);
}
