// A list read a page at a time with "Show more", for the sections of the account page.
import { html, useEffect, useState } from '../../preact.js';
import { isAbort } from '../../api.js';

/**
 * `load(cursor, signal)` answers a page (`{ items, next_cursor }`); it runs again when a value in
 * `deps` changes. Answers `{ loading, items, next, error, retry(), more() }`.
 */
export function usePaged(load, deps) {
  const [state, setState] = useState({ loading: true, items: [], next: null, error: null });
  const [tick, setTick] = useState(0);
  const read = (cursor, signal) =>
    load(cursor, signal).then(
      (data) =>
        !(signal && signal.aborted) &&
        setState((s) => ({
          loading: false,
          items: cursor ? [...s.items, ...(data.items || [])] : data.items || [],
          next: data.next_cursor || null,
          error: null,
        })),
      (error) => !isAbort(error) && !(signal && signal.aborted) && setState((s) => ({ ...s, loading: false, error })),
    );
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ loading: true, items: [], next: null, error: null });
    read('', ctrl.signal);
    return () => ctrl.abort();
  }, [...deps, tick]);
  return {
    ...state,
    retry: () => setTick((n) => n + 1),
    more: () => {
      setState((s) => ({ ...s, loading: true }));
      read(state.next);
    },
  };
}

/** "Show more" under a list that has a next page. */
export function ShowMore({ list, testid = 'show-more' }) {
  if (!list.next) return null;
  return html`<div class="signal-more">
    <button type="button" class="btn btn-sm" onClick=${list.more} disabled=${list.loading} data-testid=${testid}>
      ${list.loading ? 'Loading…' : 'Show more'}
    </button>
  </div>`;
}
