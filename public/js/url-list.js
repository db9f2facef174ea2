// A list whose filters and cursor live in the URL query, so reload and Back show the same page;
// the cursors of the pages before this one live in history.state, which is what Previous
// follows. The text filters that write to the URL are <TextFilter>s (components/toolbar.js).
import { navigate } from './router.js';
import { pagerLabel } from './components/table.js';

/**
 * `read(query)` gives the filters, `cursor` among them, from URLSearchParams; `url(filters)` the
 * path that shows them. Returns the `filters` of `location`, the cursors of the pages before
 * this one (`prevCursors`), `setFilter(patch)`, which starts again from the first page, and
 * `pager(…)`, the props of a <Pager> that follows the cursors.
 */
export function urlList(location, read, url) {
  const filters = read(location.query);
  const prevCursors = Array.isArray(location.state.cursors) ? location.state.cursors : [];

  // Reads the URL afresh: a debounced input applies its value after later renders.
  const setFilter = (patch, { replace = false } = {}) => {
    const now = read(new URLSearchParams(window.location.search));
    navigate(url({ ...now, ...patch, cursor: '' }), { replace, state: { cursors: [] } });
  };
  const goNext = (next) => {
    if (!next) return;
    navigate(url({ ...filters, cursor: next }), { state: { cursors: [...prevCursors, filters.cursor] } });
  };
  const goPrev = () => {
    // Opened from a link with a cursor and no history: the first page is the safe way back.
    const cursors = prevCursors.slice(0, -1);
    const cursor = prevCursors.length ? prevCursors[prevCursors.length - 1] : '';
    navigate(url({ ...filters, cursor }), { state: { cursors } });
  };

  /** A loaded page of `count` items of `pageSize`, `next` the cursor after it, `total` the list's
   *  size when the server says it; `one`/`many` name the items. */
  const pager = ({ count, next, total, pageSize, busy, one, many }) => ({
    label: pagerLabel({
      count,
      first: prevCursors.length * pageSize + 1,
      onlyPage: !filters.cursor && !next,
      known: !filters.cursor || prevCursors.length > 0,
      total,
      hasNext: Boolean(next),
      one,
      many,
    }),
    hasPrev: Boolean(filters.cursor),
    hasNext: Boolean(next),
    busy,
    onPrev: goPrev,
    onNext: () => goNext(next),
  });

  return { filters, prevCursors, setFilter, pager };
}
