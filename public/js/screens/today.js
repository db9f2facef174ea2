// Today (/today, the start page): one ranked list of what to do now, mine or the team's, with
// the day's numbers, LinkedIn's limits and each identity's sending on top. Acting on an item
// (done, snooze, book the meeting) takes it off the list at once and refreshes the numbers; a
// refusal brings it back with the server's message in a toast. Viewers see the list without the
// actions.
// Keyboard: j/k move, d done (a call opens its form), s snoozes for 4 hours.
import { html, useEffect, useRef, useState } from '../preact.js';
import { opportunities as opportunitiesApi, pacing as pacingApi, queue as queueApi } from '../api.js';
import { canWriteContacts } from '../access.js';
import { navigate, withQuery } from '../router.js';
import { useLoad } from '../use-load.js';
import { PageHeader } from '../components/layout.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { toast, toastFailure } from '../components/toast.js';
import { SendingToday, TodayCounts } from './today-counts.js';
import { KINDS, TodayItem } from './today-item.js';

const LIMIT = 200;

function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function typing(target) {
  return target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function TodayScreen({ location, user }) {
  const scope = location.query.get('scope') === 'team' ? 'team' : 'mine';
  const tz = browserTimeZone();
  const state = useLoad((signal) => queueApi.list({ scope, tz, limit: LIMIT }, { signal }), [scope]);
  // The identities' sending today, once per visit (the strip stays away when it fails).
  const sending = useLoad((signal) => pacingApi.today({ signal }), []);
  // Items acted on and not yet gone from the server's answer.
  const [hidden, setHidden] = useState(() => new Set());
  const [focusId, setFocusId] = useState(null);
  const [panel, setPanel] = useState({ id: null, panel: null });
  const canAct = canWriteContacts(user);

  const items = ((state.data && state.data.items) || []).filter((i) => !hidden.has(i.id));
  const focusIndex = Math.max(0, items.findIndex((i) => i.id === focusId));
  const focused = items.length ? items[Math.min(focusIndex, items.length - 1)] : null;

  const hide = (id, on) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  /** Takes `item` off the list, runs `call`; on success refreshes the queue, on failure puts it back. */
  const act = async (item, call, done, what) => {
    const index = items.findIndex((i) => i.id === item.id);
    const after = items[index + 1] || items[index - 1] || null;
    if (focused && focused.id === item.id) setFocusId(after ? after.id : null);
    setPanel({ id: null, panel: null });
    hide(item.id, true);
    try {
      await call();
      toast(done);
      state.retry();
    } catch (e) {
      hide(item.id, false);
      toastFailure(what, e);
    }
  };

  const onDone = (item, body) => {
    const label = (KINDS[item.kind] && KINDS[item.kind].done) || 'Done';
    return act(item, () => queueApi.done(item.id, body), `${label}: ${item.contact_name}`, `mark ${item.contact_name}'s item done`);
  };
  const onSnooze = (item, body) =>
    act(item, () => queueApi.snooze(item.id, body), `Snoozed: ${item.contact_name}`, `snooze ${item.contact_name}'s item`);
  const onBook = (item, meetingAt) =>
    act(
      item,
      () => opportunitiesApi.create({ contact_id: item.contact_id, reply_id: item.reply_id || undefined, meeting_at: meetingAt }),
      `Meeting booked with ${item.contact_name}`,
      `book the meeting with ${item.contact_name}`,
    );

  // Forget hidden items once the server no longer lists them (a snooze that ends comes back).
  useEffect(() => {
    if (!state.data || state.loading) return;
    const listed = new Set(state.data.items.map((i) => i.id));
    setHidden((prev) => {
      const keep = [...prev].filter((id) => listed.has(id));
      return keep.length === prev.size ? prev : new Set(keep);
    });
  }, [state.data, state.loading]);

  // The handler of the latest render, so a key pressed right after a change (before effects
  // run again) acts on what the page shows, never on a stale focus.
  const onKey = useRef(null);
  onKey.current = (e) => {
    if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || typing(e.target)) return;
    if (document.querySelector('dialog[open]')) return;
    if (!items.length) return;
    const i = Math.min(focusIndex, items.length - 1);
    if (e.key === 'j') setFocusId(items[Math.min(i + 1, items.length - 1)].id);
    else if (e.key === 'k') setFocusId(items[Math.max(i - 1, 0)].id);
    else if (e.key === 'd' && canAct && focused) {
      const kind = KINDS[focused.kind];
      if (!kind || !kind.done) return;
      if (focused.kind === 'call') setPanel({ id: focused.id, panel: 'call' });
      else onDone(focused, {});
    } else if (e.key === 's' && canAct && focused) onSnooze(focused, { hours: 4 });
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const listener = (e) => onKey.current && onKey.current(e);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  useEffect(() => {
    if (!focusId) return;
    const el = document.querySelector(`[data-testid="today-item"][data-focused="true"]`);
    if (el && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
  }, [focusId]);

  // Viewers always see the team's work (the server answers scope=team for them).
  const scopeToggle = html`<div class="today-scope" role="group" aria-label="Whose work" data-testid="scope-toggle">
    ${[
      ['mine', 'Mine'],
      ['team', 'Team'],
    ].map(
      ([value, label]) => html`<button
        key=${value}
        type="button"
        class=${`btn btn-sm ${scope === value ? 'btn-primary' : ''}`}
        aria-pressed=${String(scope === value)}
        onClick=${() => navigate(withQuery('/today', { scope: value === 'team' ? 'team' : '' }), { replace: true })}
        data-testid=${`scope-${value}`}
      >
        ${label}
      </button>`,
    )}
  </div>`;

  let body;
  if (state.error && !state.data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load Today" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading today's work…" />`;
  } else if (!items.length) {
    body = html`<${Empty} title="Nothing to do right now" testid="today-empty">
      Replies, meetings, follow-ups, drafts to review and tasks show up here when they are due.
      ${scope === 'mine' ? ' Switch to Team to see everyone’s work.' : ''}
    <//>`;
  } else {
    body = html`<ol class=${`today-list ${state.loading ? 'is-reloading' : ''}`} aria-label="What to do now" data-testid="today-list">
      ${items.map(
        (item) => html`<${TodayItem}
          key=${item.id}
          item=${item}
          focused=${focused && focused.id === item.id}
          canAct=${canAct}
          linkedinUrl=${item.linkedin_url}
          panel=${panel.id === item.id ? panel.panel : null}
          onOpen=${(p) => setPanel({ id: p ? item.id : null, panel: p })}
          onFocus=${() => setFocusId(item.id)}
          onDone=${onDone}
          onSnooze=${onSnooze}
          onBook=${onBook}
        />`,
      )}
    </ol>`;
  }

  return html`
    <section class="page" data-testid="today">
      <${PageHeader} title="Today" actions=${canAct ? scopeToggle : null} />
      ${state.data && html`<${TodayCounts} counts=${state.data.counts} />`}
      ${state.data && html`<${SendingToday} pacing=${sending.data} />`}
      ${canAct && items.length > 0 && html`<p class="shortcut-hint muted">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>d</kbd> done, <kbd>s</kbd> snooze 4 h.</p>`}
      ${body}
    </section>
  `;
}
