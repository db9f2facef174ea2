// Pipeline: a board with a column per contact stage, each with its count and its top contacts by
// priority. A card is dragged to another column to move the contact's stage; only the stages the
// stage machine allows from its column take the drop (they light up while dragging, the others
// dim). A "Move to…" menu on each card does the same from the keyboard or on a phone. Viewers,
// and bdrs on contacts others own, get neither. The columns that were quiet when the board
// loaded (empty, or a rare stage with few cards) are folded to narrow strips (see column.js),
// so the stages in use fit the screen.
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
import { STAGES, contactName, labelOf } from '../../contact-meta.js';
import { formatInt } from '../../format.js';
import { ownerLabel, useTeam } from '../../owners.js';
import { Column } from './column.js';

const PER_STAGE = 25;
/** The stages where a contact's outreach has stopped or turned aside: rarely worked from the board. */
const RARE_STAGES = ['replied_negative', 'referred', 'dormant', 're_engaged', 'not_interested'];

/**
 * The columns folded when the board loads: the empty ones, and the rare stages holding few of
 * the board's contacts (3, or 2% of them on a large board).
 */
export function foldedAtLoad(stages) {
  const total = stages.reduce((n, s) => n + s.count, 0);
  const few = Math.max(3, Math.round(total * 0.02));
  return new Set(stages.filter((s) => s.count === 0 || (RARE_STAGES.includes(s.stage) && s.count <= few)).map((s) => s.stage));
}
const OWNERS = [
  { value: '', label: 'Everyone' },
  { value: 'me', label: 'Me' },
  { value: 'none', label: 'Nobody' },
];

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
  // The folded columns: those quiet when the board loaded, until someone unfolds them.
  const [folded, setFolded] = useState(() => new Set());
  useEffect(() => {
    if (!state.data) return;
    setBoard(state.data);
    setFolded(foldedAtLoad(state.data.stages));
  }, [state.data]);
  // The column "Go to stage" chose, scrolled to once it has unfolded.
  const [jump, setJump] = useState(null);
  useEffect(() => {
    const col = jump && boardRef.current && boardRef.current.querySelector(`[data-stage="${jump.stage}"]`);
    if (col) col.scrollIntoView({ inline: 'start', block: 'nearest' });
  }, [jump]);
  const fold = (stage, on) =>
    setFolded((prev) => {
      const next = new Set(prev);
      if (on) next.add(stage);
      else next.delete(stage);
      return next;
    });

  const canMove = (c) => canEditContact(user, c);
  const transitions = (board && board.transitions) || {};

  // After a move from the keyboard, the focus follows the card to its new column.
  const [focusCard, setFocusCard] = useState(null);
  useEffect(() => {
    const el = focusCard && boardRef.current && boardRef.current.querySelector(`[data-contact-id="${focusCard.id}"] [data-testid="card-move"]`);
    if (el) el.focus();
  }, [focusCard]);

  /** Moves `contact` to `to`; `fromMenu`: chosen in its menu, so the focus follows the card. */
  const onMove = async (contact, to, fromMenu = false) => {
    const from = contact.stage || board.stages.find((s) => s.contacts.some((c) => c.id === contact.id))?.stage;
    if (busyId) return;
    setBusyId(contact.id);
    try {
      const updated = await contactsApi.setStage(contact.id, { stage: to });
      setBoard((b) => moveOnBoard(b, updated, from));
      fold(updated.stage, false);
      if (fromMenu) setFocusCard({ id: updated.id });
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
          ? ' Drag a card to a highlighted column, or use its “Move to…” menu.'
          : ''}
        ${folded.size > 0 &&
        html` ${formatInt(folded.size)} quiet ${folded.size === 1 ? 'stage is' : 'stages are'} folded.${' '}<button type="button" class="board-unfold" onClick=${() => setFolded(new Set())} data-testid="unfold-all">Show all stages</button>`}
      </p>
      ${phone &&
      html`<div class="toolbar">
        <${ToolbarField}
          id="pipeline-jump"
          label="Go to stage"
          as="select"
          value=""
          onChange=${(e) => {
            const stage = e.currentTarget.value;
            e.currentTarget.value = '';
            fold(stage, false);
            setJump({ stage });
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
            collapsed=${folded.has(column.stage)}
            onToggle=${() => fold(column.stage, !folded.has(column.stage))}
            dragging=${dragging}
            transitions=${transitions}
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
