// A filter that takes several values: a button that says what is chosen ("Stage: Any",
// "Stage: Touched", "Stage: 3 selected") and opens a list of checkboxes. Built on
// <details>/<summary>, so it opens from the keyboard without script; script closes it on a click
// outside and on Escape.
import { html, useEffect, useRef, useState } from '../preact.js';

/** `options`: [{ value, label }]; `value`: the chosen values; `onChange(values)` gets the new list. */
export function MultiSelect({ id, label, options, value, onChange, testid }) {
  const ref = useRef(null);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (!open) return undefined;
    const close = (focusSummary) => {
      const details = ref.current;
      if (!details) return;
      details.open = false;
      if (focusSummary) details.querySelector('summary')?.focus();
    };
    const onPointer = (e) => {
      if (ref.current && !ref.current.contains(e.target)) close(false);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') close(true);
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const chosen = options.filter((o) => value.includes(o.value));
  const summary = !chosen.length ? 'Any' : chosen.length === 1 ? chosen[0].label : `${chosen.length} selected`;
  const toggle = (v, on) => {
    const next = on ? [...value, v] : value.filter((x) => x !== v);
    // Keep the options' order, so the URL does not depend on the order of the clicks.
    onChange(options.map((o) => o.value).filter((x) => next.includes(x)));
  };

  return html`
    <details
      ref=${ref}
      class=${`toolbar-field multi ${chosen.length ? 'multi-active' : ''}`}
      data-testid=${testid}
      onToggle=${(e) => setOpen(e.currentTarget.open)}
    >
      <summary class="control multi-summary" id=${`${id}-summary`} aria-label=${`${label}: ${summary}`}>
        <span class="multi-label">${label}:</span>
        <span class="multi-value" data-testid=${testid && `${testid}-value`}>${summary}</span>
      </summary>
      <fieldset class="multi-menu">
        <legend class="visually-hidden">${label}</legend>
        ${options.map(
          (o) => html`<label key=${o.value} class="multi-option">
            <input
              type="checkbox"
              value=${o.value}
              checked=${value.includes(o.value)}
              onChange=${(e) => toggle(o.value, e.currentTarget.checked)}
            />
            <span>${o.label}</span>
          </label>`,
        )}
        ${chosen.length > 0 &&
        html`<button type="button" class="btn btn-sm btn-ghost multi-clear" onClick=${() => onChange([])}>Any ${label.toLowerCase()}</button>`}
      </fieldset>
    </details>
  `;
}
