// "Export CSV" for a list screen: a plain download link to the export route with the list's
// filters and sort (every row, not just the page on screen). The session cookie signs it in.

import { html } from './preact.js';

/**
 * The export URL of `kind` (`contacts` or `accounts`) for a list query: empty values, the
 * page size and the cursor are left out.
 * @param {string} kind
 * @param {Record<string, string | number | boolean | null | undefined>} query
 */
export function exportHref(kind, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === 'cursor' || key === 'limit' || value === '' || value === null || value === undefined) continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return `/api/v1/export/${kind}${text ? `?${text}` : ''}`;
}

/** The button: a download, so the app's router leaves it to the browser. */
export function ExportButton({ kind, query, filtered }) {
  const title = filtered ? `Download every ${kind.slice(0, -1)} matching these filters as CSV` : `Download every ${kind.slice(0, -1)} as CSV`;
  return html`<a class="btn" href=${exportHref(kind, query)} download=${`${kind}.csv`} title=${title} data-testid="export-csv">
    Export CSV
  </a>`;
}
