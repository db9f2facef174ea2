// A dense data table whose rows open a detail page, and the Previous/Next pager for
// cursor-paged lists with its label.
import { html } from '../preact.js';
import { navigate } from '../router.js';
import { formatInt } from '../format.js';

/**
 * `columns`: [{ key, label, render?(row), className?, numeric? }]
 * `rowHref(row)`: where a row leads; the first column's cell is a real link, and a click
 * anywhere else on the row follows it too.
 */
export function DataTable({ columns, rows, rowKey = (r) => r.id, rowHref, caption, busy, testid = 'data-table' }) {
  const onRowClick = (event, row) => {
    if (!rowHref || event.target.closest('a, button, input, select, textarea')) return;
    if (window.getSelection && String(window.getSelection())) return; // selecting text
    navigate(rowHref(row));
  };
  return html`
    <div class=${`table-wrap ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'}>
      <table class="table" data-testid=${testid}>
        ${caption && html`<caption class="visually-hidden">${caption}</caption>`}
        <thead>
          <tr>
            ${columns.map(
              (c) => html`<th key=${c.key} scope="col" class=${`${c.className || ''} ${c.numeric ? 'num' : ''}`}>${c.label}</th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (row) => html`
              <tr key=${rowKey(row)} class=${rowHref ? 'row-link' : ''} onClick=${(e) => onRowClick(e, row)} data-testid="row">
                ${columns.map((c, i) => {
                  const content = c.render ? c.render(row) : row[c.key];
                  const shown = content === null || content === undefined || content === '' ? html`<span class="muted">—</span>` : content;
                  return html`<td key=${c.key} class=${`${c.className || ''} ${c.numeric ? 'num' : ''}`}>
                    ${i === 0 && rowHref ? html`<a class="row-anchor" href=${rowHref(row)}>${shown}</a>` : shown}
                  </td>`;
                })}
              </tr>
            `,
          )}
        </tbody>
      </table>
    </div>
  `;
}

/**
 * The pager's label for a page of `count` items whose first is item `first` (from 1): "No more
 * <many>" past the end, "3 <many>" (or "1 <one>") when it is the only page, "26–50 of 1,529"
 * with the list's `total` when the server knows it, "51–73 of 73" on the last page (`hasNext`
 * false), "26–50 of many" otherwise, or "25 <many>" when where the page starts is not `known`
 * (a link that carried a cursor).
 */
export function pagerLabel({ count, first, onlyPage, known = true, total = null, hasNext = true, one, many }) {
  if (!count) return hasNext ? `No ${many} on this page` : `No more ${many}`;
  if (onlyPage) return `${formatInt(count)} ${count === 1 ? one : many}`;
  if (!known) return `${count} ${many}`;
  const last = first + count - 1;
  const of = typeof total === 'number' ? formatInt(total) : hasNext ? 'many' : formatInt(last);
  return `${formatInt(first)}–${formatInt(last)} of ${of}`;
}

/**
 * Says that a search matched more rows than a list sorts for one (the page's `capped_at`): the
 * list shows the best of the first `cappedAt` matches, and more words narrow it. Nothing
 * otherwise.
 */
export function SearchCapped({ cappedAt, many }) {
  if (!cappedAt) return null;
  return html`<p class="notice" role="status" data-testid="search-capped">
    More than ${formatInt(cappedAt)} ${many} match this search, so these are the best of the first
    ${formatInt(cappedAt)} found. Add a word (a surname, a company, part of an address) to narrow it.
  </p>`;
}

/**
 * Says that a page stopped short because its filters pass few of the contacts (or other rows)
 * in its order: it looked through `looked` of them and found `found`; `onFurther` goes on from
 * there. Nothing otherwise.
 */
export function WalkStopped({ looked, found, many, onFurther, busy }) {
  if (!looked) return null;
  return html`<p class="notice" role="status" data-testid="walk-stopped">
    These filters match few ${many}: ${found ? formatInt(found) : 'none'} of the ${formatInt(looked)} looked
    through in this order.
    <button type="button" class="btn btn-sm" data-testid="look-further" disabled=${busy} onClick=${onFurther}>Look further</button>
  </p>`;
}

export function Pager({ label, hasPrev, hasNext, onPrev, onNext, busy }) {
  return html`
    <nav class="pager" aria-label="Pagination" data-testid="pager">
      <span class="pager-label" data-testid="pager-label">${label}</span>
      <div class="pager-buttons">
        <button type="button" class="btn btn-sm" data-testid="page-prev" disabled=${!hasPrev || busy} onClick=${onPrev}>
          ← Previous
        </button>
        <button type="button" class="btn btn-sm" data-testid="page-next" disabled=${!hasNext || busy} onClick=${onNext}>
          Next →
        </button>
      </div>
    </nav>
  `;
}
