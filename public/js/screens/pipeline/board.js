// Pipeline: a board with a column per contact stage, each with its count and its top contacts by
// priority. A card is dragged to another column to move the contact's stage; only the stages the
// stage machine allows from its column take the drop (they light up while dragging, the others
// dim). A "Move to…" select on each card does the same from the keyboard or on a phone. Viewers,
// and bdrs on contacts others own, get neither.
import { html, useEffect, useRef, useState } from '../../preact.js';
import { contacts as contactsApi, pipeline as pipelineApi } from '../../api.js';
import { canEditContact } from '../../access.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { PageHeader } from '../../components/layout.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { ErrorState, Loading } from '../../components/states.js';
import { toast, toastFailure } from '../../components/toast.js';
import { ScoreBar } from '../../components/meter.js';
import { STAGES, contactName, labelOf } from '../../contact-meta.js';
import { formatInt } from '../../format.js';
import { ownerLabel, useTeam } from '../../owners.js';

const PER_STAGE = 25;
const OWNERS = [
  { value: '', label: 'Everyone' },
  { value: 'me', label: 'Me' },
  { value: 'none', label: 'Nobody' },
];

const contactHref = (c) => `/contacts/${encodeURIComponent(c.id)}`;
const byPriority = (a, b) => (b.priority_score ?? 0) - (a.priority_score ?? 0);

/** The board after `contact` (as the server answered it) left the column `from`. */
function moveOnBoard(board, contact, from) {
  const stages = board.stages.map((col) => {
    if (col.stage === from) {
      return { ...col, count: Math.max(0, col.count - 1), contacts: col.contacts.filter((c) => c.id !== contact.id) };
    }
    if (col.stage === contact.stage) {
      const old = board.stages.find((s) => s.stage === from)?.contacts.find((c) => c.id === contact.id) || {};
      const card = { ...old, ...contact, account_name: contact.account_name ?? (contact.account && contact.account.name) ?? old.account_name };
      return { ...col, count: col.count + 1, contacts: [...col.contacts.filter((c) => c.id !== contact.id), card].sort(byPriority) };
    }
    return col;
  });
  return { ...board, stages };
}

function MoveSelect({ contact, allowed, busy, onMove }) {
  const id = `move-${contact.id}`;
  return html`<div class="board-move">
    <label class="visually-hidden" for=${id}>Move ${contactName(contact)} to</label>
    <select
      id=${id}
      class="control control-sm"
      value=""
      disabled=${busy || !allowed.length}
      onChange=${(e) => {
        const to = e.currentTarget.value;
        e.currentTarget.value = '';
        if (to) onMove(contact, to);
      }}
      data-testid="card-move"
    >
      <option value="">${allowed.length ? 'Move to…' : 'No moves'}</option>
      ${allowed.map((s) => html`<option key=${s} value=${s}>${labelOf(STAGES, s)}</option>`)}
    </select>
  </div>`;
}

function Card({ contact, stage, allowed, movable, busy, onMove, onDragStart, onDragEnd }) {
  const onClick = (e) => {
    if (e.target.closest('a, button, select, label, input')) return;
    navigate(contactHref(contact));
  };
  return html`<li
    class=${`board-card ${movable ? 'is-movable' : ''} ${busy ? 'is-busy' : ''}`}
    draggable=${Boolean(movable && !busy)}
    onDragStart=${(e) => {
      e.dataTransfer.setData('text/plain', contact.id);
      e.dataTransfer.effectAllowed = 'move';
      onDragStart(contact, stage);
    }}
    onDragEnd=${onDragEnd}
    onClick=${onClick}
    data-testid="pipeline-card"
    data-contact-id=${contact.id}
  >
    <div class="board-card-top">
      <a class="board-card-name" href=${contactHref(contact)} data-testid="card-name">${contactName(contact)}</a>
      <${ScoreBar} score=${contact.priority_score} />
    </div>
    <div class="board-card-line muted" title=${contact.title || ''}>${contact.title || 'No title'}</div>
    <div class="board-card-line muted" title=${contact.account_name || ''}>${contact.account_name || 'No company'}</div>
    ${movable && html`<${MoveSelect} contact=${contact} allowed=${allowed} busy=${busy} onMove=${onMove} />`}
  </li>`;
}

function Column({ column, dragging, transitions, user, canMove, busyId, onMove, setDragging }) {
  const label = labelOf(STAGES, column.stage);
  const accepts = Boolean(dragging) && dragging.from !== column.stage && (transitions[dragging.from] || []).includes(column.stage);
  const state = !dragging ? '' : dragging.from === column.stage ? 'is-source' : accepts ? 'is-target' : 'is-dimmed';
  const [over, setOver] = useState(false);
  useEffect(() => setOver(false), [dragging]);
  const more = column.count - column.contacts.length;
  const headingId = `col-${column.stage}`;
  return html`<section
    class=${`board-col ${state} ${over && accepts ? 'is-over' : ''}`}
    aria-labelledby=${headingId}
    data-testid="pipeline-column"
    data-stage=${column.stage}
    data-drop=${dragging ? (accepts ? 'yes' : 'no') : undefined}
    onDragEnter=${(e) => {
      if (accepts) {
        e.preventDefault();
        setOver(true);
      }
    }}
    onDragOver=${(e) => {
      if (!accepts) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
    }}
    onDragLeave=${(e) => {
      if (!e.currentTarget.contains(e.relatedTarget)) setOver(false);
    }}
    onDrop=${(e) => {
      if (!accepts) return;
      e.preventDefault();
      const moving = dragging;
      setDragging(null);
      onMove(moving.contact, column.stage);
    }}
  >
    <header class="board-col-head">
      <h2 class="board-col-title" id=${headingId}>${label}</h2>
      <span class="board-col-count" data-testid="column-count" aria-label=${`${column.count} contacts`}>${formatInt(column.count)}</span>
    </header>
    ${column.contacts.length
      ? html`<ul class="board-cards" aria-label=${`${label}: top contacts by priority`}>
          ${column.contacts.map((c) => {
            const movable = canMove(c);
            return html`<${Card}
              key=${c.id}
              contact=${c}
              stage=${column.stage}
              allowed=${transitions[column.stage] || []}
              movable=${movable}
              busy=${busyId === c.id}
              onMove=${onMove}
              onDragStart=${(contact, from) => setDragging({ contact, from })}
              onDragEnd=${() => setDragging(null)}
            />`;
          })}
        </ul>`
      : html`<p class="board-empty muted">No contacts</p>`}
    ${more > 0 &&
    html`<a class="board-more" href=${withQuery('/contacts', { stage: column.stage })} data-testid="column-more">
      ${formatInt(more)} more in ${label}
    </a>`}
  </section>`;
}

export function PipelineScreen({ location, user }) {
  // me, none, or a teammate's id (a link to their board); anything else is everyone.
  const asked = location.query.get('owner') || '';
  const owner = ['me', 'none'].includes(asked) || /^[0-9a-f-]{36}$/i.test(asked) ? asked : '';
  const team = useTeam(user);
  const phone = useMedia(PHONE_QUERY);
  const boardRef = useRef(null);
  const state = useLoad((signal) => pipelineApi.get({ owner, per_stage: PER_STAGE }, { signal }), [owner]);
  const [board, setBoard] = useState(null);
  const [dragging, setDragging] = useState(null);
  const [busyId, setBusyId] = useState(null);
  useEffect(() => {
    if (state.data) setBoard(state.data);
  }, [state.data]);

  const canMove = (c) => canEditContact(user, c);
  const transitions = (board && board.transitions) || {};

  const onMove = async (contact, to) => {
    const from = contact.stage || board.stages.find((s) => s.contacts.some((c) => c.id === contact.id))?.stage;
    if (busyId) return;
    setBusyId(contact.id);
    try {
      const updated = await contactsApi.setStage(contact.id, { stage: to });
      setBoard((b) => moveOnBoard(b, updated, from));
      toast(`${contactName(updated)} moved to ${labelOf(STAGES, updated.stage)}`);
    } catch (e) {
      // The card stays where it was; the server says why.
      toastFailure(`move ${contactName(contact)} to ${labelOf(STAGES, to)}`, e);
    } finally {
      setBusyId(null);
    }
  };

  const filter = html`<${ToolbarField}
    id="pipeline-owner"
    label="Owner"
    as="select"
    value=${owner}
    onChange=${(e) => navigate(withQuery('/pipeline', { owner: e.currentTarget.value }), { replace: true })}
    data-testid="pipeline-owner"
  >
    ${OWNERS.map((o) => html`<option key=${o.value} value=${o.value}>Owner: ${o.label}</option>`)}
    ${owner && !OWNERS.some((o) => o.value === owner) && html`<option value=${owner}>Owner: ${ownerLabel(owner, user, team)}</option>`}
  <//>`;

  let body;
  if (state.error) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the pipeline" onRetry=${state.retry} />`;
  } else if (!board) {
    body = html`<${Loading} label="Loading the pipeline…" />`;
  } else {
    const total = board.stages.reduce((n, s) => n + s.count, 0);
    body = html`
      <p class="board-note muted" data-testid="pipeline-total">
        ${formatInt(total)} ${total === 1 ? 'contact' : 'contacts'}${owner === 'me' ? ' you own' : owner === 'none' ? ' nobody owns' : owner ? ` owned by ${ownerLabel(owner, user, team)}` : ''}.
        ${board.stages.some((s) => s.contacts.some(canMove))
          ? ' Drag a card to a highlighted column, or use its “Move to…” list.'
          : ''}
      </p>
      ${phone &&
      html`<div class="toolbar">
        <${ToolbarField}
          id="pipeline-jump"
          label="Go to stage"
          as="select"
          value=""
          onChange=${(e) => {
            const col = boardRef.current && boardRef.current.querySelector(`[data-stage="${e.currentTarget.value}"]`);
            e.currentTarget.value = '';
            if (col) col.scrollIntoView({ inline: 'start', block: 'nearest' });
          }}
          data-testid="pipeline-jump"
        >
          <option value="">Go to stage…</option>
          ${board.stages.map((c) => html`<option key=${c.stage} value=${c.stage}>${labelOf(STAGES, c.stage)} (${formatInt(c.count)})</option>`)}
        <//>
      </div>`}
      <div ref=${boardRef} class=${`board ${dragging ? 'is-dragging' : ''} ${state.loading ? 'is-busy' : ''}`} data-testid="pipeline-board">
        ${board.stages.map(
          (column) => html`<${Column}
            key=${column.stage}
            column=${column}
            dragging=${dragging}
            transitions=${transitions}
            user=${user}
            canMove=${canMove}
            busyId=${busyId}
            onMove=${onMove}
            setDragging=${setDragging}
          />`,
        )}
      </div>
    `;
  }

  return html`
    <section class="page page-board" data-testid="pipeline">
      <${PageHeader} title="Pipeline" actions=${html`${filter}<${Updating} when=${state.loading && board} />`} />
      ${body}
    </section>
  `;
}
