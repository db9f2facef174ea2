// Import, steps 3 and 4: what a dry run or the real run did, as counts by outcome and the
// report row by row (filtered by outcome, a page at a time), and the progress bar of a run.
import { html, useEffect, useState } from '../../preact.js';
import { imports as importsApi, isAbort } from '../../api.js';
import { formatInt } from '../../format.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { ErrorState, Loading } from '../../components/states.js';
import { ProgressBar } from '../../components/progress.js';

const PAGE_SIZE = 50;

export const OUTCOMES = [
  { key: 'created', label: 'Created', one: 'created' },
  { key: 'updated', label: 'Updated', one: 'updated' },
  { key: 'skipped_duplicate', label: 'Skipped: duplicate', one: 'skipped as a duplicate' },
  { key: 'invalid', label: 'Invalid', one: 'invalid' },
  { key: 'suppressed', label: 'Suppressed', one: 'suppressed' },
];

export function outcomeLabel(key) {
  const found = OUTCOMES.find((o) => o.key === key);
  return found ? found.label : key;
}

/** The rows a run would write: created plus updated. */
export function writtenRows(phase) {
  const counts = (phase && phase.counts) || {};
  return (Number(counts.created) || 0) + (Number(counts.updated) || 0);
}

/** The progress of a run phase (`{ processed, total }`), `label` naming it. */
export function PhaseProgress({ phase, label, testid }) {
  const processed = phase ? Number(phase.processed) || 0 : 0;
  const total = phase ? Number(phase.total) || 0 : 0;
  return html`<${ProgressBar} label=${label} value=${processed} max=${phase ? total : undefined} unit="rows" testid=${testid} />`;
}

/** The counts of a phase by outcome, and the companies it created when the server says. */
export function Counts({ phase, testid, dryRun = false }) {
  const counts = (phase && phase.counts) || {};
  const companies = Number(counts.accounts_created);
  return html`<dl class="import-counts" data-testid=${testid}>
    ${OUTCOMES.map((o) => {
      const n = Number(counts[o.key]) || 0;
      return html`<div key=${o.key} class=${`import-count outcome-${o.key} ${n ? '' : 'is-zero'}`} data-testid=${`count-${o.key}`} data-count=${n}>
        <dt>${o.label}</dt>
        <dd>${formatInt(n)}</dd>
      </div>`;
    })}
  </dl>
  ${Number.isFinite(companies) &&
  companies > 0 &&
  html`<p class="card-text muted" data-testid=${`${testid}-companies`}>
    ${formatInt(companies)} new ${companies === 1 ? 'company' : 'companies'} ${dryRun ? 'would be' : companies === 1 ? 'was' : 'were'} created for these people.
  </p>`}`;
}

export function OutcomeBadge({ outcome }) {
  return html`<span class=${`badge outcome-badge outcome-${outcome}`} data-testid="outcome-badge" data-outcome=${outcome}>${outcomeLabel(outcome)}</span>`;
}

/**
 * The report rows of `phase`, filtered by `outcome` ('' for all), with "Load more". After a
 * change of filter the rows shown stay, dimmed (`loading`), until the new ones arrive.
 */
function useReportRows(id, phase, outcome) {
  const key = `${phase}|${outcome}`;
  const [state, setState] = useState({ key: null, loading: true, items: [], next: null, error: null });
  const [tick, setTick] = useState(0);
  const load = (cursor, signal) => {
    setState((s) => ({ ...s, loading: true, error: null }));
    return importsApi.rows(id, { phase, outcome, limit: PAGE_SIZE, cursor }, { signal }).then(
      (data) =>
        setState((s) => ({
          key,
          loading: false,
          items: cursor ? [...s.items, ...((data && data.items) || [])] : (data && data.items) || [],
          next: (data && data.next_cursor) || null,
          error: null,
        })),
      (error) =>
        !isAbort(error) &&
        setState((s) => ({ key, loading: false, items: cursor ? s.items : [], next: cursor ? s.next : null, error })),
    );
  };
  useEffect(() => {
    const ctrl = new AbortController();
    load('', ctrl.signal);
    return () => ctrl.abort();
  }, [id, phase, outcome, tick]);
  return { ...state, loading: state.loading || state.key !== key, retry: () => setTick((n) => n + 1), more: () => load(state.next) };
}

/** Where a report row is: its line in the file when the server says (`byLine`), else its data row. */
function Where({ row, byLine, prefix = '' }) {
  return byLine
    ? html`<span title=${`Data row ${formatInt(row.row)}`}>${prefix}${formatInt(row.line)}</span>`
    : html`<span>${prefix}${formatInt(row.row)}</span>`;
}

function Person({ row }) {
  const name = row.name || html`<span class="muted">No name</span>`;
  return html`<span class="cell-stack">
    ${row.contact_id ? html`<a href=${`/contacts/${encodeURIComponent(row.contact_id)}`}>${name}</a>` : html`<span class="cell-strong">${name}</span>`}
    ${row.email && html`<span class="cell-line muted">${row.email}</span>`}
  </span>`;
}

/**
 * The report of `phase` ('dry_run' or 'run') of import `id`, whose counts are `phase`'s; the
 * outcome tabs show only outcomes that occurred.
 */
export function ReportRows({ id, phase, counts }) {
  const [outcome, setOutcome] = useState('');
  const rows = useReportRows(id, phase, outcome);
  const phone = useMedia(PHONE_QUERY);
  const total = OUTCOMES.reduce((sum, o) => sum + (Number(counts[o.key]) || 0), 0);
  const choices = [{ key: '', label: 'All', n: total }, ...OUTCOMES.map((o) => ({ ...o, n: Number(counts[o.key]) || 0 })).filter((o) => o.n > 0 || o.key === outcome)];

  let body;
  if (rows.error && !rows.items.length) {
    body = html`<${ErrorState} error=${rows.error} title="Could not load the report" onRetry=${rows.retry} />`;
  } else if (rows.loading && !rows.items.length) {
    body = html`<${Loading} label="Loading the report…" />`;
  } else if (!rows.items.length) {
    body = html`<p class="muted card-text" data-testid="report-empty">No rows${outcome ? ` ${OUTCOMES.find((o) => o.key === outcome).one}` : ''}.</p>`;
  } else {
    const byLine = rows.items.every((r) => Number.isFinite(r.line));
    const list = phone
      ? html`<ul class=${`report-cards ${rows.loading ? 'is-busy' : ''}`} data-testid="report-table" aria-label="The report row by row">
          ${rows.items.map(
            (r) => html`<li key=${`${r.row}-${r.outcome}`} class="report-card" data-testid="report-row" data-row=${r.row} data-outcome=${r.outcome}>
              <div class="report-card-top"><span class="muted"><${Where} row=${r} byLine=${byLine} prefix=${byLine ? 'Line ' : 'Row '} /></span><${OutcomeBadge} outcome=${r.outcome} /></div>
              <${Person} row=${r} />
              ${r.company && html`<span class="cell-line muted">${r.company}</span>`}
              ${r.reason && html`<span class="report-reason" data-testid="report-reason">${r.reason}</span>`}
            </li>`,
          )}
        </ul>`
      : html`<div class=${`table-wrap ${rows.loading ? 'is-busy' : ''}`}>
          <table class="table table-report" data-testid="report-table">
            <caption class="visually-hidden">The report row by row${outcome ? `: ${outcomeLabel(outcome)}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col" class="num">${byLine ? 'Line' : 'Row'}</th>
                <th scope="col">Outcome</th>
                <th scope="col">Person</th>
                <th scope="col" class="hide-sm">Company</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              ${rows.items.map(
                (r) => html`<tr key=${`${r.row}-${r.outcome}`} data-testid="report-row" data-row=${r.row} data-outcome=${r.outcome}>
                  <td class="num"><${Where} row=${r} byLine=${byLine} /></td>
                  <td><${OutcomeBadge} outcome=${r.outcome} /></td>
                  <td class="cell-wrap cell-person"><${Person} row=${r} /></td>
                  <td class="hide-sm">${r.company || html`<span class="muted">—</span>`}</td>
                  <td class="cell-wrap report-reason" data-testid="report-reason">${r.reason || html`<span class="muted">—</span>`}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`;
    body = html`
      ${list}
      ${rows.error && html`<p class="field-error" role="alert">Could not load more: ${rows.error.message}</p>`}
      ${rows.next &&
      html`<div class="report-more">
        <button type="button" class="btn btn-sm" onClick=${rows.more} disabled=${rows.loading} data-testid="report-more">
          ${rows.loading ? 'Loading…' : 'Load more'}
        </button>
      </div>`}
    `;
  }

  return html`
    <div class="report" data-testid=${`report-${phase}`} aria-busy=${rows.loading ? 'true' : 'false'}>
      <div class="report-filter" role="group" aria-label="Show rows" data-testid="report-filter">
        ${choices.map(
          (c) => html`<button
            key=${c.key || 'all'}
            type="button"
            class=${`chip-button ${outcome === c.key ? 'is-on' : ''}`}
            aria-pressed=${outcome === c.key ? 'true' : 'false'}
            onClick=${() => setOutcome(c.key)}
            data-testid=${`report-filter-${c.key || 'all'}`}
          >
            ${c.label} <span class="chip-count">${formatInt(c.n)}</span>
          </button>`,
        )}
      </div>
      ${body}
    </div>
  `;
}
