// The People section of an account: its contacts (highest priority first), each leading to the
// contact, and "Add person", which opens the new-contact form with this account chosen.
import { html, useEffect, useState } from '../../preact.js';
import { contacts as contactsApi, isAbort } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { ErrorState, Loading } from '../../components/states.js';
import { ScoreBar } from '../../components/meter.js';
import { StageBadge, StatusBadge, contactName } from '../../contact-meta.js';

const PAGE_SIZE = 25;

export function AccountPeople({ account, user }) {
  const [state, setState] = useState({ loading: true, items: [], next: null, error: null });
  const [tick, setTick] = useState(0);

  const load = (cursor, signal) =>
    contactsApi.list({ account_id: account.id, limit: PAGE_SIZE, cursor }, { signal }).then(
      (data) =>
        setState((s) => ({
          loading: false,
          items: cursor ? [...s.items, ...(data.items || [])] : data.items || [],
          next: data.next_cursor || null,
          error: null,
        })),
      (error) => !isAbort(error) && setState((s) => ({ ...s, loading: false, error })),
    );
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ loading: true, items: [], next: null, error: null });
    load('', ctrl.signal);
    return () => ctrl.abort();
  }, [account.id, tick]);

  const addHref = `/contacts/new?account_id=${encodeURIComponent(account.id)}`;
  const add = canWriteContacts(user) ? html`<a class="btn btn-sm" href=${addHref} data-testid="add-person">Add person</a>` : null;

  let body;
  if (state.error && !state.items.length) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the people at this account" onRetry=${() => setTick((n) => n + 1)} />`;
  } else if (state.loading && !state.items.length) {
    body = html`<${Loading} label="Loading people…" />`;
  } else if (!state.items.length) {
    body = html`<p class="muted card-text" data-testid="people-empty">No people at ${account.name} yet.</p>`;
  } else {
    body = html`<ul class="people-list" data-testid="people-list">
        ${state.items.map(
          (c) => html`<li key=${c.id} class="person" data-testid="person" data-contact-id=${c.id}>
            <div class="person-who">
              <a class="person-name" href=${`/contacts/${encodeURIComponent(c.id)}`} data-testid="person-link">${contactName(c)}</a>
              <span class="person-title muted">${c.title || 'No title'}</span>
            </div>
            <div class="person-tags">
              <${StageBadge} stage=${c.stage} />
              ${c.status !== 'active' && html`<${StatusBadge} status=${c.status} />`}
              <${ScoreBar} score=${c.priority_score} />
            </div>
          </li>`,
        )}
      </ul>
      ${state.next &&
      html`<div class="signal-more">
        <button
          type="button"
          class="btn btn-sm"
          disabled=${state.loading}
          onClick=${() => {
            setState((s) => ({ ...s, loading: true }));
            load(state.next);
          }}
        >
          ${state.loading ? 'Loading…' : 'Show more'}
        </button>
      </div>`}`;
  }

  return html`
    <section class="card card-padded" aria-labelledby="people-title" data-testid="account-people">
      <div class="card-head">
        <h2 class="card-title" id="people-title">People</h2>
        ${add}
      </div>
      ${body}
    </section>
  `;
}
