// Replies: what people answered and nobody has dealt with yet, newest first, by intent, the
// rep's own (or the team's). One opens beside the list (on a phone, in its place) with the whole
// conversation, and from there it is answered in its thread, booked as a meeting, corrected, its
// referral added as a contact, or marked handled. `?intent=`, `?scope=team` and `?id=` (the open
// reply) keep the view in the address.
import { html, useEffect, useState } from '../../preact.js';
import { contacts as contactsApi, queue as queueApi, replies as repliesApi } from '../../api.js';
import { canEditContact } from '../../access.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PHONE_QUERY, useMedia } from '../../use-media.js';
import { PageHeader } from '../../components/layout.js';
import { ScopeToggle } from '../../components/scope-toggle.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDateTime, formatRelative } from '../../format.js';
import { BookMeetingDialog, INTENTS, intentLabel } from '../contacts/actions.js';
import { CorrectIntentDialog, referralHref } from '../contacts/act.js';
import { Composer } from '../contacts/composer.js';

const PAGE = 50;

/** The intent filters: every intent, and all. */
const FILTERS = [{ value: '', label: 'All' }, ...INTENTS.filter((i) => i.value)];

/** How an intent's badge looks: good news green, bad news red, the rest plain. */
const TONES = { positive: 'badge-ok', referral: 'badge-ok', negative: 'badge-bad', unsubscribe: 'badge-bad' };

function IntentBadge({ intent }) {
  return html`<span class=${`badge ${TONES[intent] || 'badge-muted'}`} data-intent=${intent || ''} data-testid="reply-intent-badge">${intentLabel(intent)}</span>`;
}

/** The waiting replies, a page at a time (`more()` reads the next). */
function useWaiting(intent, scope) {
  // Pages after the first: `cursor` undefined until one is read (the first page's cursor then).
  const [extra, setExtra] = useState({ items: [], cursor: undefined, busy: false });
  const first = useLoad((signal) => repliesApi.waiting({ intent, scope, limit: PAGE }, { signal }), [intent, scope]);
  useEffect(() => setExtra({ items: [], cursor: undefined, busy: false }), [first.data]);
  const cursor = extra.cursor === undefined ? first.data && first.data.next_cursor : extra.cursor;
  const more = async () => {
    setExtra((e) => ({ ...e, busy: true }));
    try {
      const page = await repliesApi.waiting({ intent, scope, limit: PAGE, cursor });
      setExtra((e) => ({ items: [...e.items, ...page.items], cursor: page.next_cursor, busy: false }));
    } catch (err) {
      toast(`Could not load more: ${err.message}`);
      setExtra((e) => ({ ...e, busy: false }));
    }
  };
  const items = first.data ? [...first.data.items, ...extra.items] : [];
  return { ...first, items, hasMore: Boolean(cursor), more, busyMore: extra.busy };
}

function ReplyRow({ item, current, onOpen }) {
  const { reply, contact } = item;
  return html`<li>
    <button type="button" class="replies-item" aria-current=${String(current)} onClick=${() => onOpen(reply.id)} data-testid="replies-item" data-id=${reply.id}>
      <span class="replies-item-head">
        <strong>${contact.name}${contact.company ? html`<span class="muted"> · ${contact.company}</span>` : null}</strong>
        <span class="muted" title=${formatDateTime(reply.replied_at)}>${formatRelative(reply.replied_at)}</span>
      </span>
      <span class="replies-item-head">
        <span>${reply.subject || html`<span class="muted">${reply.channel}</span>`}</span>
        <${IntentBadge} intent=${reply.intent} />
      </span>
      <p class="replies-excerpt">${reply.body}</p>
    </button>
  </li>`;
}

/** One reply with its conversation and what can be done about it. */
function ReplyPane({ id, user, onHandled }) {
  const talk = useLoad((signal) => repliesApi.conversation(id, { signal }), [id]);
  const [contact, setContact] = useState(null);
  const [mode, setMode] = useState(null);
  const [busy, setBusy] = useState(false);
  const contactId = talk.data && talk.data.contact.id;
  useEffect(() => {
    setMode(null);
  }, [id]);
  useEffect(() => {
    if (!contactId) return undefined;
    const ctrl = new AbortController();
    contactsApi.get(contactId, { signal: ctrl.signal }).then(setContact, () => {});
    return () => ctrl.abort();
  }, [contactId]);
  if (talk.error) return html`<${ErrorState} error=${talk.error} title="Could not load this reply" onRetry=${talk.retry} />`;
  if (!talk.data) return html`<${Loading} label="Loading the conversation…" />`;
  const { reply, messages } = talk.data;
  const who = talk.data.contact;
  const mayAct = contact && canEditContact(user, contact);
  const lastOut = [...messages].reverse().find((m) => m.direction === 'out' && m.subject);
  const markHandled = async () => {
    setBusy(true);
    try {
      await queueApi.done(`reply:${reply.id}`);
      toast(`Reply from ${who.name} marked handled`);
      onHandled(reply.id);
    } catch (err) {
      toast(`Not marked handled: ${err.message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card card-padded" aria-labelledby="reply-title" data-testid="reply-pane">
    <div class="replies-item-head">
      <h2 class="card-title" id="reply-title">
        <a href=${`/contacts/${encodeURIComponent(who.id)}`} data-testid="reply-contact-link">${who.name}</a>
        ${who.company && html`<span class="muted"> · ${who.company}</span>`}
      </h2>
      <${IntentBadge} intent=${reply.intent} />
    </div>
    ${reply.handled_at && html`<p class="muted" data-testid="reply-handled">Handled ${formatDateTime(reply.handled_at)}.</p>`}
    <ol class="conversation" aria-label="Conversation" data-testid="conversation">
      ${messages.map(
        (m) => html`<li key=${m.id} class=${`conversation-message is-${m.direction} ${m.id === reply.id ? 'is-current' : ''}`} data-testid="conversation-message" data-direction=${m.direction}>
          <span class="conversation-meta">${m.direction === 'out' ? 'You' : who.name} · ${m.channel} · ${formatDateTime(m.at)}</span>
          ${m.subject && html`<strong class="conversation-subject">${m.subject}</strong>`}${m.body || ''}
        </li>`,
      )}
    </ol>
    ${mayAct &&
    !mode &&
    html`<div class="replies-actions">
      <button type="button" class="btn btn-primary" onClick=${() => setMode('answer')} data-testid="reply-answer">Answer</button>
      <button type="button" class="btn" onClick=${() => setMode('meeting')} data-testid="reply-book">Book meeting</button>
      <button type="button" class="btn" onClick=${() => setMode('intent')} data-testid="reply-correct">Correct intent</button>
      ${(reply.referral_name || reply.referral_email) &&
      html`<a class="btn" href=${referralHref(reply, contact)} data-testid="reply-referral">Add ${reply.referral_name || reply.referral_email} as contact</a>`}
      ${!reply.handled_at &&
      html`<button type="button" class="btn" onClick=${markHandled} disabled=${busy} data-testid="reply-handled-button">Mark handled</button>`}
    </div>`}
    ${mayAct &&
    mode === 'answer' &&
    html`<${Composer}
      contact=${contact}
      user=${user}
      reply=${reply}
      replySubject=${lastOut ? lastOut.subject : ''}
      onCancel=${() => setMode(null)}
      onDone=${(draft, outcome) => {
        setMode(null);
        if (outcome === 'sent') onHandled(reply.id);
        else talk.retry();
      }}
    />`}
    ${mayAct &&
    html`<${BookMeetingDialog}
        contactId=${who.id}
        replyId=${reply.id}
        open=${mode === 'meeting'}
        onClose=${() => setMode(null)}
        onBooked=${() => onHandled(reply.id)}
      />
      <${CorrectIntentDialog} reply=${reply} open=${mode === 'intent'} onClose=${() => setMode(null)} onCorrected=${() => talk.retry()} />`}
  </section>`;
}

export function RepliesScreen({ location, user }) {
  const intent = location.query.get('intent') || '';
  const scope = location.query.get('scope') === 'team' ? 'team' : 'mine';
  const openId = location.query.get('id') || '';
  const list = useWaiting(intent, scope);
  // On a phone an open reply takes the screen, with the way back to the list above it.
  const phone = useMedia(PHONE_QUERY);
  const paneOnly = phone && Boolean(openId);
  const go = (patch) => navigate(withQuery('/replies', { intent, scope: scope === 'team' ? 'team' : '', id: openId, ...patch }), { replace: true });
  const onHandled = (id) => {
    const at = list.items.findIndex((i) => i.reply.id === id);
    const next = list.items[at + 1] || list.items[at - 1];
    go({ id: next && next.reply.id !== id ? next.reply.id : '' });
    list.retry();
  };
  const viewer = user.role === 'viewer';
  const scopeToggle = !viewer
    ? html`<${ScopeToggle} scope=${scope} label="Whose replies" onChange=${(value) => go({ scope: value === 'team' ? 'team' : '', id: '' })} />`
    : null;

  let body;
  if (list.error && !list.data) body = html`<${ErrorState} error=${list.error} title="Could not load the replies" onRetry=${list.retry} />`;
  else if (!list.data) body = html`<${Loading} label="Loading replies…" />`;
  else if (!list.items.length) {
    body = html`<${Empty} title=${intent ? `No ${intentLabel(intent).toLowerCase()} replies waiting` : 'No replies waiting'} testid="replies-empty">
      ${scope === 'mine' && !viewer ? 'Replies to your contacts show here. Switch to Team to see everyone’s.' : 'Every reply has been dealt with.'}
    <//>`;
  } else {
    body = html`<ul class="replies-list card" aria-label="Replies waiting" data-testid="replies-list">
        ${list.items.map((item) => html`<${ReplyRow} key=${item.reply.id} item=${item} current=${item.reply.id === openId} onOpen=${(id) => go({ id })} />`)}
      </ul>
      ${list.hasMore &&
      html`<button type="button" class="btn" onClick=${list.more} disabled=${list.busyMore} data-testid="replies-more">${list.busyMore ? 'Loading…' : 'Show more'}</button>`}`;
  }
  return html`<section class="page" data-testid="replies-screen">
    <${PageHeader} title="Replies" actions=${scopeToggle} />
    ${!paneOnly &&
    html`<div class="replies-filters" role="group" aria-label="Intent">
      ${FILTERS.map(
        (f) => html`<button key=${f.value} type="button" class=${`chip chip-button ${intent === f.value ? 'is-on' : ''}`}
          aria-pressed=${String(intent === f.value)} onClick=${() => go({ intent: f.value, id: '' })} data-testid=${`replies-filter-${f.value || 'all'}`}>${f.label}</button>`,
      )}
    </div>`}
    ${paneOnly &&
    html`<p><button type="button" class="btn btn-sm" onClick=${() => go({ id: '' })} data-testid="replies-back">← All replies</button></p>`}
    <div class="replies-layout">
      ${!paneOnly && html`<div>${body}</div>`}
      <div>
        ${openId
          ? html`<${ReplyPane} key=${openId} id=${openId} user=${user} onHandled=${onHandled} />`
          : list.items.length > 0 && html`<p class="muted card card-padded" data-testid="replies-pick">Open a reply to read the conversation and answer it.</p>`}
      </div>
    </div>
  </section>`;
}
