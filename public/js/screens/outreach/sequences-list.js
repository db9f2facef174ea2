// Sequences: every sequence with its status, how many steps it has and how many contacts are in
// it; managers and admins start new ones. A row opens the sequence's editor.
import { html } from '../../preact.js';
import { sequences as sequencesApi } from '../../api.js';
import { canWriteSequences } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { PageHeader } from '../../components/layout.js';
import { DataTable } from '../../components/table.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { formatDateTime, formatInt } from '../../format.js';

const LIST_SIZE = 100;

export const SEQUENCE_STATUSES = [
  { value: 'active', label: 'Active' },
  { value: 'paused', label: 'Paused' },
  { value: 'archived', label: 'Archived' },
];

export function SequenceStatus({ status }) {
  const tone = status === 'active' ? 'badge-ok' : 'badge-muted';
  const label = (SEQUENCE_STATUSES.find((s) => s.value === status) || { label: status }).label;
  return html`<span class=${`badge ${tone}`} data-testid="sequence-status" data-status=${status}>${label}</span>`;
}

const sequenceHref = (s) => `/sequences/${encodeURIComponent(s.id)}`;

function Enrolled({ enrolled }) {
  const e = enrolled || {};
  return html`<span class="nowrap" data-testid="sequence-enrolled">
    ${formatInt(e.active || 0)} active · ${formatInt(e.paused || 0)} paused · ${formatInt(e.completed || 0)} done · ${formatInt(e.exited || 0)} exited
  </span>`;
}

const COLUMNS = [
  { key: 'name', label: 'Name', render: (s) => html`<span data-testid="sequence-name">${s.name}</span>` },
  { key: 'status', label: 'Status', render: (s) => html`<${SequenceStatus} status=${s.status} />` },
  { key: 'steps', label: 'Steps', numeric: true, render: (s) => html`<span data-testid="sequence-steps">${s.steps.length}</span>` },
  { key: 'enrolled', label: 'Enrolled', render: (s) => html`<${Enrolled} enrolled=${s.enrolled} />` },
  { key: 'autopilot', label: 'Autopilot', className: 'hide-sm', render: (s) => (s.autopilot ? 'On' : 'Off') },
  { key: 'updated_at', label: 'Updated', className: 'hide-md nowrap', render: (s) => formatDateTime(s.updated_at) },
];

function SequenceCards({ items }) {
  return html`<ul class="contact-cards" data-testid="sequence-cards">
    ${items.map(
      (s) => html`<li key=${s.id} class="contact-card" data-testid="row">
        <div class="contact-card-body">
          <div class="contact-card-top">
            <a class="contact-card-name" href=${sequenceHref(s)} data-testid="sequence-name">${s.name}</a>
            <${SequenceStatus} status=${s.status} />
          </div>
          <div class="contact-card-line muted">${s.steps.length} ${s.steps.length === 1 ? 'step' : 'steps'}</div>
          <div class="contact-card-line muted"><${Enrolled} enrolled=${s.enrolled} /></div>
        </div>
      </li>`,
    )}
  </ul>`;
}

export function SequencesListScreen({ user }) {
  const state = useLoad((signal) => sequencesApi.list({ limit: LIST_SIZE }, { signal }), []);
  const phone = useMedia(PHONE_QUERY);
  const canWrite = canWriteSequences(user);
  const newButton = canWrite ? html`<a class="btn btn-primary" href="/sequences/new" data-testid="new-sequence">New sequence</a>` : null;
  const items = (state.data && state.data.items) || [];

  let body;
  if (state.error) {
    body = html`<${ErrorState} error=${state.error} title="Could not load sequences" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading sequences…" />`;
  } else if (!items.length) {
    body = html`<${Empty} title="No sequences yet" testid="sequences-empty" action=${newButton}>
      A sequence is a series of steps (emails, LinkedIn messages, calls) that contacts go through.
    <//>`;
  } else if (phone) {
    body = html`<${SequenceCards} items=${items} />`;
  } else {
    body = html`<${DataTable} columns=${COLUMNS} rows=${items} rowHref=${sequenceHref} caption="Sequences" busy=${state.loading} testid="sequences-table" />`;
  }

  return html`
    <section class="page page-wide" data-testid="sequences-list">
      <${PageHeader} title="Sequences" actions=${newButton} />
      ${body}
    </section>
  `;
}
