// One hook for "load this from the API": loading, data and error state, a retry, and the
// fetch aborted when the screen leaves or the inputs change.
import { useEffect, useState } from './preact.js';
import { isAbort } from './api.js';

/**
 * `load(signal)` returns a promise of the data; it runs again when a value in `deps` changes
 * or `retry()` is called. While reloading, the previous `data` stays (shown dimmed by callers).
 */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    // An answer that arrives after its inputs changed is dropped, even when the request had
    // finished before the abort: only the latest inputs' answer may show.
    load(ctrl.signal)
      .then((data) => {
        if (!ctrl.signal.aborted) setState({ loading: false, data, error: null });
      })
      .catch((error) => {
        if (!ctrl.signal.aborted && !isAbort(error)) setState({ loading: false, data: null, error });
      });
    return () => ctrl.abort();
  }, [...deps, tick]);
  return { ...state, retry: () => setTick((n) => n + 1) };
}
