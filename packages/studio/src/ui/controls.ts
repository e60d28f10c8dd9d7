import { h } from './dom.js';

/** Look of a {@link button}. */
export type ButtonVariant = 'default' | 'primary' | 'danger';

/** A push button. */
export function button(label: string, onClick: () => void, variant: ButtonVariant = 'default'): HTMLButtonElement {
  const element = h('button', { class: `mws-button mws-button--${variant}`, text: label, attrs: { type: 'button' } });
  element.addEventListener('click', onClick);
  return element;
}

/** A one-line text field; `label` names it for screen readers. */
export function field(label: string, placeholder = label): HTMLInputElement {
  return h('input', {
    class: 'mws-field',
    attrs: { type: 'text', placeholder, 'aria-label': label, spellcheck: 'false', autocomplete: 'off' },
  });
}

/** A row of controls; Enter in any of its fields runs `submit`. */
export function formRow(submit: () => void, ...controls: HTMLElement[]): HTMLDivElement {
  const row = h('div', { class: 'mws-row' }, ...controls);
  row.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.target instanceof HTMLInputElement) || event.isComposing) return;
    event.preventDefault();
    submit();
  });
  return row;
}

/** A titled block of the action panel. */
export function section(title: string, ...children: Array<HTMLElement | undefined>): HTMLElement {
  return h('div', { class: 'mws-section' }, h('h3', { class: 'mws-section__title', text: title }), ...children);
}

/** A checkbox drawn as a switch; `change` gets the new state. */
export function toggle(label: string, change: (on: boolean) => void): { element: HTMLLabelElement; input: HTMLInputElement } {
  const input = h('input', { class: 'mws-switch__input', attrs: { type: 'checkbox', role: 'switch' } });
  input.addEventListener('change', () => change(input.checked));
  const element = h('label', { class: 'mws-switch' }, input, h('span', { class: 'mws-switch__track', attrs: { 'aria-hidden': 'true' } }), h('span', { text: label }));
  return { element, input };
}

/** The whole action panel. */
export function panel(...sections: Array<HTMLElement | undefined>): HTMLElement {
  return h('div', { class: 'mws-panel' }, ...sections);
}

/** A short explanatory line inside the panel. */
export function note(text = ''): HTMLParagraphElement {
  return h('p', { class: 'mws-note', text });
}
