// The filter bar above a list: a labelled input or select per filter, text filters that apply
// once typing pauses, and a small spinner while the list updates under the filters.
import { html, useEffect, useRef, useState } from '../preact.js';

const DEBOUNCE_MS = 300;

/** A text input's value that is applied (to the URL) once typing pauses, and follows the URL on Back. */
function useDebouncedParam(urlValue, apply) {
  const [value, setValue] = useState(urlValue);
  const sent = useRef(urlValue);
  useEffect(() => {
    if (urlValue !== sent.current) {
      sent.current = urlValue;
      setValue(urlValue);
    }
  }, [urlValue]);
  useEffect(() => {
    if (value === sent.current) return undefined;
    const timer = setTimeout(() => {
      sent.current = value;
      apply(value);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [value]);
  return [value, setValue];
}

/**
 * `as`: 'input' (default) or 'select' (its options as children); other props go to the control.
 * The label is for screen readers only unless `showLabel`. An input's children (a <datalist>)
 * follow it.
 */
export function ToolbarField({ id, label, showLabel = false, className = '', as = 'input', children, ...control }) {
  return html`
    <div class=${className ? `toolbar-field ${className}` : 'toolbar-field'}>
      <label class=${showLabel ? 'toolbar-label' : 'visually-hidden'} for=${id}>${label}</label>
      ${as === 'select'
        ? html`<select id=${id} class="control" ...${control}>${children}</select>`
        : html`<input id=${id} class="control" ...${control} />${children}`}
    </div>
  `;
}

/** Shown while a list that is already on screen loads again. */
export function Updating({ when }) {
  return when ? html`<span class="spinner spinner-inline" role="status" aria-label="Updating"></span>` : null;
}

/**
 * A text filter: `onApply(text)` runs once typing pauses; `value` (from the URL) replaces the
 * text when it changes, as on Back. Other props as for ToolbarField.
 */
export function TextFilter({ value, onApply, ...field }) {
  const [text, setText] = useDebouncedParam(value, onApply);
  return html`<${ToolbarField} type="text" autocomplete="off" ...${field} value=${text} onInput=${(e) => setText(e.currentTarget.value)} />`;
}
