// A template with its merge fields filled in for one contact: filled fields marked, a field
// filled by its fallback in italics, and a field with no value highlighted as unresolved.
import { html } from '../preact.js';
import { renderParts } from '../merge-fields.js';

/**
 * `text` rendered with `values` (from `mergeValues`); `who` names the contact in the titles.
 * Each unresolved field is a <mark data-testid="unresolved">.
 */
export function MergedText({ text, values, testid, who = 'the sample contact' }) {
  const parts = renderParts(text, values || {});
  return html`<span data-testid=${testid}>${parts.map((p, i) =>
    p.unresolved
      ? html`<mark key=${i} class="unresolved" title="No value for this merge field" data-testid="unresolved">{{${p.field}}}</mark>`
      : p.field
        ? html`<span key=${i} class=${p.fallback ? 'merged merged-fallback' : 'merged'} title=${p.fallback ? `The fallback: ${who} has no value` : undefined} data-fallback=${p.fallback ? 'true' : undefined}>${p.text}</span>`
        : p.text,
  )}</span>`;
}

/** The merge fields of `texts` left unresolved for `values`, each named once. */
export function unresolvedFields(texts, values) {
  const out = [];
  for (const text of texts) for (const p of renderParts(text || '', values || {})) if (p.unresolved && !out.includes(p.field)) out.push(p.field);
  return out;
}

/** `text` with its merge fields filled, as it is sent: an unresolved field stays as written. */
export function mergedString(text, values) {
  return renderParts(text, values || {})
    .map((p) => (p.unresolved ? `{{${p.field}}}` : p.text))
    .join('');
}
