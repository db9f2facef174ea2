// A button that opens a short menu of choices (the WAI-ARIA menu button): Enter, Space or a
// click opens it on its first choice (ArrowUp on its last), ArrowUp/ArrowDown/Home/End move,
// Enter or Space picks, Escape closes and gives focus back to the button, Tab or a click
// elsewhere closes. The menu is placed under the button in the viewport (fixed), so a list
// that scrolls (a board column) does not cut it off; it follows the button when the page scrolls.
import { html, useEffect, useLayoutEffect, useRef, useState } from '../preact.js';

let nextId = 1;

/** Where the menu goes: under the button, or above it when there is no room below. */
function placeUnder(button) {
  const r = button.getBoundingClientRect();
  const below = window.innerHeight - r.bottom;
  const width = Math.max(r.width, 180);
  const left = Math.max(8, Math.min(r.left, window.innerWidth - width - 8));
  return below >= 220 || below >= r.top ? { top: r.bottom + 4, left, width } : { bottom: window.innerHeight - r.top + 4, left, width };
}

/**
 * `label`: the button's text; `title`: what the menu is for (its accessible name, e.g. "Move
 * Ada Lovelace to"); `items`: [{ value, label }]; `onSelect(value)`. With no items the button
 * is disabled and says `emptyLabel`.
 */
export function MenuButton({ label, title, items, onSelect, disabled, emptyLabel = 'Nothing to choose', testid = 'choice-menu', className = '' }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [place, setPlace] = useState(null);
  const [id] = useState(() => `menu-${nextId++}`);
  const button = useRef(null);
  const menu = useRef(null);

  const show = (at) => {
    if (!button.current) return;
    setPlace(placeUnder(button.current));
    setActive(at === 'last' ? items.length - 1 : 0);
    setOpen(true);
  };
  const close = (refocus) => {
    setOpen(false);
    if (refocus && button.current) button.current.focus();
  };
  const pick = (value) => {
    close(true);
    onSelect(value);
  };

  // Focus follows the active choice while the menu is open.
  useLayoutEffect(() => {
    if (!open || !menu.current) return;
    const el = menu.current.querySelectorAll('[role="menuitem"]')[active];
    if (el) el.focus();
  }, [open, active]);

  // A click elsewhere closes it; when the page scrolls or resizes under it, it follows its button.
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e) => {
      if (!menu.current?.contains(e.target) && !button.current?.contains(e.target)) close(false);
    };
    const onMove = (e) => {
      if (button.current && !(e.target instanceof Node && menu.current?.contains(e.target))) setPlace(placeUnder(button.current));
    };
    document.addEventListener('pointerdown', onDown, true);
    window.addEventListener('scroll', onMove, true);
    window.addEventListener('resize', onMove);
    return () => {
      document.removeEventListener('pointerdown', onDown, true);
      window.removeEventListener('scroll', onMove, true);
      window.removeEventListener('resize', onMove);
    };
  }, [open]);

  const onButtonKey = (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      show(e.key === 'ArrowUp' ? 'last' : 'first');
    }
  };
  const onMenuKey = (e) => {
    const n = items.length;
    const moves = { ArrowDown: (active + 1) % n, ArrowUp: (active - 1 + n) % n, Home: 0, End: n - 1 };
    if (e.key in moves) {
      e.preventDefault();
      setActive(moves[e.key]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'Tab') {
      close(false);
    }
  };

  const empty = !items.length;
  return html`<div class=${`choice-menu ${className}`}>
    <button
      ref=${button}
      type="button"
      class="btn btn-sm choice-menu-toggle"
      aria-haspopup="menu"
      aria-expanded=${open ? 'true' : 'false'}
      aria-controls=${open ? id : undefined}
      aria-label=${title ? `${title}…` : undefined}
      disabled=${disabled || empty}
      onClick=${() => (open ? close(false) : show('first'))}
      onKeyDown=${onButtonKey}
      data-testid=${testid}
    >
      <span>${empty ? emptyLabel : label}</span>
      <span class="choice-menu-caret" aria-hidden="true">▾</span>
    </button>
    ${open &&
    html`<ul
      ref=${menu}
      id=${id}
      class="choice-menu-popup"
      role="menu"
      aria-label=${title || label}
      style=${{ top: place.top, bottom: place.bottom, left: place.left, minWidth: place.width }}
      onKeyDown=${onMenuKey}
      data-testid=${`${testid}-menu`}
    >
      ${items.map(
        (item, i) => html`<li key=${item.value} role="none">
          <button
            type="button"
            role="menuitem"
            tabindex=${i === active ? '0' : '-1'}
            class="choice-menu-item"
            onClick=${() => pick(item.value)}
            onMouseEnter=${() => setActive(i)}
            data-value=${item.value}
            data-testid=${`${testid}-item`}
          >
            ${item.label}
          </button>
        </li>`,
      )}
    </ul>`}
  </div>`;
}
