// Contact detail: every field (the company links to its account), the prep card (next step,
// talking points, company facts, signals, sequence, opportunity; #prep lands on it) and the
// timeline, the stage control, the priority score with what it is made of and its history, the
// buying signals, Edit and Delete, and what a rep does from here for the roles that may: write an
// email or a LinkedIn message, enroll in a sequence, add to a batch, log a call, add a follow-up,
// log a reply, book a meeting, and on a
// reply in the timeline answer it, correct its intent or add the person it refers to.
import { html, useEffect, useMemo, useRef, useState } from '../../preact.js';
import { contacts as contactsApi, isAbort, replies as repliesApi } from '../../api.js';
import { canDeleteContacts, canEditContact, canRunAgents } from '../../access.js';
import { navigate } from '../../router.js';
import { PageHeader } from '../../components/layout.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { DEPARTMENTS, SENIORITIES, StatusBadge, contactName, labelOf } from '../../contact-meta.js';
import { formatDateTime, safeHref } from '../../format.js';
import { ownerLabel, useTeam } from '../../owners.js';
import { StageControl } from './stage.js';
import { SignalsCard } from './signals.js';
import { ScoreCard } from './score.js';
import { PrepCard, Timeline, usePrep } from './prep.js';
import { BookMeetingDialog, LogReplyDialog } from './actions.js';
import { ComposeDialog, CorrectIntentDialog, FollowupDialog, LogCallDialog, referralHref } from './act.js';
import { EnrollDialog } from './enroll.js';
import { AddToBatchDialog } from './batch-add.js';
import { AiActions, briefFromRun } from './ai.js';

/** Loads one contact; `notFound` on a 404; `replace(contact)` shows a contact the server answered. */
export function useContact(id) {
  const [state, setState] = useState({ loading: true, contact: null, error: null, notFound: false });
  const [reload, setReload] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ loading: true, contact: null, error: null, notFound: false });
    contactsApi
      .get(id, { signal: ctrl.signal })
      .then((contact) => setState({ loading: false, contact, error: null, notFound: false }))
      .catch((error) => {
        if (!isAbort(error)) setState({ loading: false, contact: null, error, notFound: error.status === 404 });
      });
    return () => ctrl.abort();
  }, [id, reload]);
  return {
    ...state,
    retry: () => setReload((n) => n + 1),
    replace: (contact) => setState({ loading: false, contact, error: null, notFound: false }),
    /** Fetches the contact again without the loading state (a signal changed its score). */
    refresh: () =>
      contactsApi
        .get(id)
        .then((contact) => setState({ loading: false, contact, error: null, notFound: false }))
        .catch(() => {}),
  };
}

export function ContactNotFound() {
  return html`<${NotFound} title="Contact not found" backHref="/contacts" backLabel="Back to contacts">
    This contact does not exist, or it has been deleted.
  <//>`;
}

function localTime(timeZone) {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date());
  } catch {
    return null;
  }
}

function Value({ children }) {
  return children === null || children === undefined || children === '' ? html`<span class="muted">—</span>` : children;
}

function ExternalLink({ url }) {
  const href = safeHref(url);
  return href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${url}</a>` : url;
}

/** On /contacts/{id}#prep, scrolls the prep card into view once it has loaded. */
function useScrollToPrep(loaded) {
  const done = useRef(false);
  useEffect(() => {
    if (done.current || !loaded || window.location.hash !== '#prep') return;
    const card = document.getElementById('prep');
    if (!card) return;
    done.current = true;
    card.scrollIntoView({ block: 'start' });
    card.focus({ preventScroll: true });
  }, [loaded]);
}

export function ContactDetailScreen({ params, user }) {
  const { loading, contact, error, notFound, retry, replace, refresh } = useContact(params.id);
  const team = useTeam(user);
  const prep = usePrep(params.id);
  // The contact as the enroll and batch dialogs take people: a list, the same one while it is unchanged.
  const asList = useMemo(() => (contact ? [contact] : []), [contact]);
  // The open dialog: `{ kind, channel?, reply? }` (kind: compose, call, followup, reply, meeting, intent).
  const [dialog, setDialog] = useState(null);
  // The newest research run from this page, shown on the prep card until the card carries its brief.
  const [research, setResearch] = useState(null);
  useScrollToPrep(Boolean(prep.data && contact));
  /** Opens `kind` for the reply `id` (read first: the timeline has only its excerpt); a referral navigates. */
  const onReply = async (kind, id) => {
    try {
      const reply = await repliesApi.get(id);
      if (kind === 'referral') navigate(referralHref(reply, contact));
      else setDialog({ kind, reply, channel: reply.channel === 'linkedin' ? 'linkedin' : 'email' });
    } catch (err) {
      toast(`Could not open the reply: ${err.message}`);
    }
  };
  const remove = useConfirm(async () => {
    await contactsApi.remove(contact.id);
    toast(`Deleted ${contactName(contact)}`);
    navigate('/contacts', { replace: true });
  }, 'delete');

  if (loading) return html`<section class="page"><${Loading} label="Loading contact…" /></section>`;
  if (notFound) return html`<section class="page page-narrow"><${ContactNotFound} /></section>`;
  if (error) {
    return html`<section class="page page-narrow"><${ErrorState} error=${error} title="Could not load this contact" onRetry=${retry} /></section>`;
  }

  const c = contact;
  const name = contactName(c);
  const canEdit = canEditContact(user, c);
  const canDelete = canDeleteContacts(user);
  const openOpp = prep.data && prep.data.opportunity;
  const waitingReply = prep.data && prep.data.next_step.action === 'answer_reply' ? prep.data.next_step.target_id : null;
  const kind = dialog && dialog.kind;
  const close = () => setDialog(null);
  const afterChange = () => {
    prep.retry();
    refresh();
  };
  const actions =
    canEdit || canDelete
      ? html`
          ${canEdit && html`<a class="btn" href=${`/contacts/${encodeURIComponent(c.id)}/edit`} data-testid="edit-contact">Edit</a>`}
          ${canDelete &&
          html`<button type="button" class="btn btn-danger-ghost" onClick=${() => remove.ask()} data-testid="delete-contact">Delete</button>`}
        `
      : null;
  const open = (kind, extra = {}) => () => setDialog({ kind, ...extra });
  const work = canEdit
    ? html`<div class="contact-actions" role="group" aria-label="Act on this contact" data-testid="contact-actions">
        <button type="button" class="btn btn-primary" onClick=${open('compose', { channel: 'email' })} data-testid="write-email">Write email</button>
        <button type="button" class="btn" onClick=${open('compose', { channel: 'linkedin' })} data-testid="write-linkedin">LinkedIn message</button>
        <button type="button" class="btn" onClick=${open('enroll')} data-testid="enroll-contact">Enroll</button>
        <button type="button" class="btn" onClick=${open('call')} data-testid="log-call">Log call</button>
        <button type="button" class="btn" onClick=${open('followup')} data-testid="add-followup">Add follow-up</button>
        <button type="button" class="btn" onClick=${open('batch')} data-testid="add-to-batch">Add to batch</button>
        <button type="button" class="btn" onClick=${open('reply')} data-testid="log-reply">Log reply</button>
        ${!openOpp && html`<button type="button" class="btn" onClick=${open('meeting')} data-testid="book-meeting">Book meeting</button>`}
      </div>`
    : null;
  const signal = prep.data && (prep.data.signals || []).find((s) => s.fresh);
  /** The prep card's next step, started: answer the reply, or enroll. */
  const startNext = (action, target) => {
    if (action === 'answer_reply' && target) onReply('compose', target);
    else if (action === 'enroll') setDialog({ kind: 'enroll' });
  };
  const replyActions = canEdit
    ? (e) =>
        e.kind === 'reply' &&
        html`<div class="timeline-actions">
          <button type="button" class="btn btn-sm" onClick=${() => onReply('compose', e.id)} data-testid="reply-answer">Answer</button>
          <button type="button" class="btn btn-sm" onClick=${() => onReply('intent', e.id)} data-testid="reply-correct">Correct intent</button>
          ${e.title === 'referral' &&
          html`<button type="button" class="btn btn-sm" onClick=${() => onReply('referral', e.id)} data-testid="reply-referral">Add referral as contact</button>`}
        </div>`
    : null;
  const tz = c.timezone ? localTime(c.timezone) : null;
  const company = c.account
    ? html`<a href=${`/accounts/${encodeURIComponent(c.account.id)}`} data-testid="contact-company-link">${c.account.name}</a>${c.account.domain
          ? html` <span class="muted">· ${c.account.domain}</span>`
          : null}`
    : null;

  const rows = [
    ['Title', 'title', c.title],
    ['Company', 'account', company],
    ['Seniority', 'seniority', labelOf(SENIORITIES, c.seniority)],
    ['Department', 'department', c.department && labelOf(DEPARTMENTS, c.department)],
    ['Persona', 'persona', c.persona],
    ['Email', 'email', c.email && html`<a href=${`mailto:${c.email}`}>${c.email}</a>`],
    ['LinkedIn', 'linkedin_url', c.linkedin_url && html`<${ExternalLink} url=${c.linkedin_url} />`],
    ['Phone', 'phone', c.phone && html`<a href=${`tel:${c.phone.replace(/[^\d+]/g, '')}`}>${c.phone}</a>`],
    ['Time zone', 'timezone', c.timezone && html`${c.timezone}${tz ? html` <span class="muted">· ${tz} local</span>` : null}`],
    ['Owner', 'owner', html`<span title=${c.owner_id || ''}>${ownerLabel(c.owner_id, user, team)}</span>`],
    ['Last touch', 'last_touch_at', c.last_touch_at && html`<span title=${c.last_touch_at}>${formatDateTime(c.last_touch_at)}</span>`],
    ['Next action', 'next_action_at', c.next_action_at && html`<span title=${c.next_action_at}>${formatDateTime(c.next_action_at)}</span>`],
  ];

  return html`
    <section class="page" data-testid="contact-detail">
      <${PageHeader}
        title=${name}
        testid="contact-name"
        crumbs=${[{ href: '/contacts', label: 'Contacts' }, { label: name }]}
        actions=${actions}
      />
      <p class="contact-lede">
        ${[c.title, c.account && c.account.name].filter(Boolean).join(' at ') || html`<span class="muted">No title or company</span>`}
        <${StatusBadge} status=${c.status} />
      </p>
      ${work}
      <${AiActions}
        contact=${c}
        canRun=${canEdit && canRunAgents(user)}
        onResearched=${(run) => {
          setResearch(run);
          prep.retry();
        }}
        onDrafted=${afterChange}
      />
      <div class="detail-grid">
        <div class="detail-main">
          <div class="card">
            <dl class="kv">
              ${rows.map(
                ([label, key, value]) => html`<div class="kv-row" key=${key}>
                  <dt>${label}</dt>
                  <dd data-testid=${`contact-${key}`}><${Value}>${value}<//></dd>
                </div>`,
              )}
            </dl>
          </div>
          <${Timeline} state=${prep} actions=${replyActions} />
          <div class="card">
            <h2 class="card-title">Notes</h2>
            ${c.notes
              ? html`<p class="notes" data-testid="contact-notes">${c.notes}</p>`
              : html`<p class="muted" data-testid="contact-notes">No notes.</p>`}
          </div>
          <${SignalsCard} contactId=${c.id} accountId=${c.account_id} canEdit=${canEdit} onChanged=${afterChange} />
        </div>
        <div class="detail-side">
          <${PrepCard} state=${prep} onAct=${canEdit ? startNext : null} pendingBrief=${briefFromRun(research)} />
          <${StageControl}
            contact=${c}
            user=${user}
            canEdit=${canEdit}
            onMoved=${(moved) => {
              replace(moved);
              prep.retry();
            }}
          />
          <${ScoreCard} contact=${c} />
        </div>
      </div>
      <dl class="meta-line">
        <div><dt>Created</dt><dd title=${c.created_at}>${formatDateTime(c.created_at)}</dd></div>
        <div><dt>Updated</dt><dd title=${c.updated_at}>${formatDateTime(c.updated_at)}</dd></div>
        <div><dt>ID</dt><dd><code data-testid="contact-id">${c.id}</code></dd></div>
      </dl>
      ${canEdit &&
      html`<${LogReplyDialog} contactId=${c.id} open=${kind === 'reply'} onClose=${close} onLogged=${afterChange} />
        <${BookMeetingDialog}
          contactId=${c.id}
          replyId=${waitingReply}
          open=${kind === 'meeting'}
          onClose=${close}
          onBooked=${afterChange}
        />
        <${ComposeDialog}
          contact=${c}
          user=${user}
          channel=${(dialog && dialog.channel) || 'email'}
          reply=${dialog && dialog.kind === 'compose' ? dialog.reply || null : null}
          signal=${signal ? signal.title : null}
          open=${kind === 'compose'}
          onClose=${close}
          onDone=${afterChange}
        />
        <${LogCallDialog} contact=${c} open=${kind === 'call'} onClose=${close} onLogged=${afterChange} />
        <${FollowupDialog} contact=${c} open=${kind === 'followup'} onClose=${close} onAdded=${afterChange} />
        <${EnrollDialog} contacts=${asList} open=${kind === 'enroll'} onClose=${close} onDone=${afterChange} />
        <${AddToBatchDialog} contacts=${asList} open=${kind === 'batch'} onClose=${close} onDone=${afterChange} />
        <${CorrectIntentDialog} reply=${dialog && dialog.reply} open=${kind === 'intent'} onClose=${close} onCorrected=${afterChange} />`}
      <${ConfirmDialog} title="Delete this contact?" confirmLabel="Delete contact" danger ...${remove.dialog}>
        <strong>${name}</strong> will be deleted with their signals and history. This cannot be undone.
      <//>
    </section>
  `;
}
