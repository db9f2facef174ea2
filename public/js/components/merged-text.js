// A message template shown as it will read for one contact: merge fields filled the way the
// server fills them, a field filled by its fallback marked, a field with no value highlighted.
import { html } from '../preact.js';
import { renderParts } from '../merge-fields.js';

/** `text` rendered with `values`; unresolved fields highlighted. */
export function MergedText({ text, values, testid }) {
  const parts = renderParts(text, values);
  return html`<span data-testid=${testid}>${parts.map((p, i) =>
    p.unresolved
      ? html`<mark key=${i} class="unresolved" title="No value for this merge field" data-testid="unresolved">{{${p.field}}}</mark>`
      : p.field
        ? html`<span key=${i} class=${p.fallback ? 'merged merged-fallback' : 'merged'} title=${p.fallback ? 'The fallback: no value for this contact' : undefined} data-fallback=${p.fallback ? 'true' : undefined}>${p.text}</span>`
        : p.text,
  )}</span>`;
}

/** `text` with its merge fields filled, as it is sent: an unresolved field stays as written. */
export function mergedString(text, values) {
  return renderParts(text, values)
    .map((p) => (p.unresolved ? `{{${p.field}}}` : p.text))
    .join('');
}

/** The unresolved merge fields of `texts`, each once. */
export function unresolvedFields(texts, values) {
  const out = [];
  for (const text of texts) {
    for (const p of renderParts(text, values)) if (p.unresolved && !out.includes(p.field)) out.push(p.field);
  }
  return out;
}
