// A column of the Pipeline board and its cards. A card is dragged to another column, or moved
// with its "Move to…" menu (the stages the stage machine allows from its column). A column the
// team rarely uses (empty, or a rare stage with few cards, when the board loaded) is folded to a narrow strip with its name and
// count; a click (or Enter) unfolds it, and it still takes a drop while folded, unfolding then.
import { html, useEffect, useState } from '../../preact.js';
import { navigate, withQuery } from '../../router.js';
import { MenuButton } from '../../components/menu-button.js';
import { ScoreBar } from '../../components/meter.js';
import { STAGES, contactName, labelOf } from '../../contact-meta.js';
import { formatInt } from '../../format.js';

export const contactHref = (c) => `/contacts/${encodeURIComponent(c.id)}`;

function Card({ contact, stage, allowed, movable, busy, onMove, onDragStart, onDragEnd }) {
  const onClick = (e) => {
    if (e.target.closest('a, button, select, label, input, [role="menu"]')) return;
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
    ${movable &&
    html`<${MenuButton}
      className="board-move"
      label="Move to…"
      title=${`Move ${contactName(contact)} to`}
      emptyLabel="No moves"
      items=${allowed.map((s) => ({ value: s, label: labelOf(STAGES, s) }))}
      disabled=${busy}
      onSelect=${(to) => onMove(contact, to, true)}
      testid="card-move"
    />`}
  </li>`;
}

/** The drag-and-drop side of a column: whether it takes the card being dragged, and its handlers. */
function useDrop({ stage, dragging, transitions, onDrop }) {
  const accepts = Boolean(dragging) && dragging.from !== stage && (transitions[dragging.from] || []).includes(stage);
  const [over, setOver] = useState(false);
  useEffect(() => setOver(false), [dragging]);
  const state = !dragging ? '' : dragging.from === stage ? 'is-source' : accepts ? 'is-target' : 'is-dimmed';
  return {
    className: `${state} ${over && accepts ? 'is-over' : ''}`,
    attrs: {
      'data-drop': dragging ? (accepts ? 'yes' : 'no') : undefined,
      onDragEnter: (e) => {
        if (accepts) {
          e.preventDefault();
          setOver(true);
        }
      },
      onDragOver: (e) => {
        if (!accepts) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
      },
      onDragLeave: (e) => {
        if (!e.currentTarget.contains(e.relatedTarget)) setOver(false);
      },
      onDrop: (e) => {
        if (!accepts) return;
        e.preventDefault();
        onDrop(dragging);
      },
    },
  };
}

/**
 * `collapsed`: shown as a strip; `onToggle()` folds or unfolds it. `onMove(contact, to)` moves
 * a card; `setDragging` tracks the card being dragged (`{ contact, from }`).
 */
export function Column({ column, collapsed, onToggle, dragging, transitions, canMove, busyId, onMove, setDragging }) {
  const label = labelOf(STAGES, column.stage);
  const drop = useDrop({
    stage: column.stage,
    dragging,
    transitions,
    onDrop: (moving) => {
      setDragging(null);
      onMove(moving.contact, column.stage);
    },
  });
  const headingId = `col-${column.stage}`;
  const count = html`<span class="board-col-count" data-testid="column-count" aria-label=${`${column.count} contacts`}>${formatInt(column.count)}</span>`;

  if (collapsed) {
    return html`<section
      class=${`board-col is-collapsed ${drop.className}`}
      aria-label=${`${label}, folded`}
      data-testid="pipeline-column"
      data-stage=${column.stage}
      data-collapsed="true"
      ...${drop.attrs}
    >
      <button
        type="button"
        class="board-col-strip"
        aria-expanded="false"
        title=${`Show ${label}`}
        onClick=${onToggle}
        data-testid="column-expand"
      >
        <span class="board-col-strip-title">${label}</span>
        ${count}
      </button>
    </section>`;
  }

  const more = column.count - column.contacts.length;
  return html`<section
    class=${`board-col ${drop.className}`}
    aria-labelledby=${headingId}
    data-testid="pipeline-column"
    data-stage=${column.stage}
    ...${drop.attrs}
  >
    <header class="board-col-head">
      <h2 class="board-col-title" id=${headingId}>${label}</h2>
      <span class="board-col-tools">
        ${count}
        <button
          type="button"
          class="btn btn-sm btn-ghost board-col-fold"
          aria-expanded="true"
          aria-label=${`Fold ${label}`}
          title=${`Fold ${label}`}
          onClick=${onToggle}
          data-testid="column-collapse"
        >
          <span aria-hidden="true">«</span>
        </button>
      </span>
    </header>
    ${column.contacts.length
      ? html`<ul class="board-cards" aria-label=${`${label}: top contacts by priority`}>
          ${column.contacts.map(
            (c) => html`<${Card}
              key=${c.id}
              contact=${c}
              stage=${column.stage}
              allowed=${transitions[column.stage] || []}
              movable=${canMove(c)}
              busy=${busyId === c.id}
              onMove=${onMove}
              onDragStart=${(contact, from) => setDragging({ contact, from })}
              onDragEnd=${() => setDragging(null)}
            />`,
          )}
        </ul>`
      : html`<p class="board-empty muted">No contacts</p>`}
    ${more > 0 &&
    html`<a class="board-more" href=${withQuery('/contacts', { stage: column.stage })} data-testid="column-more">
      ${formatInt(more)} more in ${label}
    </a>`}
  </section>`;
}
