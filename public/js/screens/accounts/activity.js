// The Activity section of an account: what happened lately with its people, newest first, in
// the words of a contact's timeline: touches (emails, LinkedIn, calls), replies, and meetings
// and opportunities, each naming the person. The latest of each kind are read (three lists
// filtered by account, in parallel) and merged; the whole history is on each person's page.
import { html } from '../../preact.js';
import { opportunities as opportunitiesApi, replies as repliesApi, touchpoints as touchpointsApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { ErrorState, Loading } from '../../components/states.js';
import { TimelineEntry } from '../contacts/prep.js';

const PER_KIND = 20;
const SHOWN = 20;

const excerpt = (text, n) => (text && text.length > n ? `${text.slice(0, n)}…` : text || null);

/** The three lists as timeline entries (the shape of the prep card's), newest first. */
export function activityEntries({ touches, replies, opportunities }) {
  const entries = [
    ...touches.map((t) => ({
      kind: 'touch',
      id: t.id,
      at: t.sent_at || t.created_at,
      channel: t.channel,
      title: t.kind,
      detail: t.subject || t.call_outcome || excerpt(t.notes, 200),
      status: t.status,
      contact_id: t.contact_id,
      contact_name: t.contact_name,
    })),
    ...replies.map((r) => ({
      kind: 'reply',
      id: r.id,
      at: r.replied_at,
      channel: r.channel,
      title: r.intent || 'unclassified',
      detail: excerpt(r.body, 300),
      status: r.handled_at ? 'handled' : 'waiting',
      contact_id: r.contact_id,
      contact_name: r.contact_name,
    })),
    ...opportunities.map((o) => ({
      kind: 'opportunity',
      id: o.id,
      at: o.created_at,
      channel: null,
      title: o.status,
      detail: o.notes,
      status: o.status,
      contact_id: o.contact_id,
      contact_name: o.contact_name,
    })),
  ];
  return entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

function Who({ e }) {
  if (!e.contact_id) return null;
  return html`<a class="timeline-who" href=${`/contacts/${encodeURIComponent(e.contact_id)}`} data-testid="activity-person">
    ${e.contact_name || 'A person here'}
  </a>`;
}

export function AccountActivity({ account }) {
  const state = useLoad(async (signal) => {
    const q = { account_id: account.id, limit: PER_KIND };
    const [touches, replies, opportunities] = await Promise.all([
      touchpointsApi.list(q, { signal }),
      repliesApi.list(q, { signal }),
      opportunitiesApi.list(q, { signal }),
    ]);
    const more = [touches, replies, opportunities].some((p) => p.next_cursor);
    const entries = activityEntries({ touches: touches.items, replies: replies.items, opportunities: opportunities.items });
    return { entries: entries.slice(0, SHOWN), more: more || entries.length > SHOWN };
  }, [account.id]);

  let body;
  if (state.error && !state.data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the activity" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading activity…" />`;
  } else if (!state.data.entries.length) {
    body = html`<p class="muted card-text" data-testid="account-activity-empty">Nothing has happened with the people at ${account.name} yet.</p>`;
  } else {
    body = html`<ol class="timeline" data-testid="account-activity-list">
        ${state.data.entries.map((e) => html`<${TimelineEntry} key=${`${e.kind}:${e.id}`} e=${e} who=${html`<${Who} e=${e} />`} />`)}
      </ol>
      ${state.data.more && html`<p class="muted card-text" data-testid="account-activity-more">The latest ${SHOWN} shown; each person's page has their whole history.</p>`}`;
  }
  return html`<section class="card card-padded" aria-labelledby="account-activity-title" data-testid="account-activity">
    <h2 class="card-title" id="account-activity-title">Activity</h2>
    ${body}
  </section>`;
}
