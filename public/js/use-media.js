// Whether a CSS media query matches, following changes (a phone turned, a window resized).
import { useEffect, useState } from './preact.js';

/** The phone layout's breakpoint, as in app.css. */
export const PHONE_QUERY = '(max-width: 767px)';

export function useMedia(query) {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const onChange = () => setMatches(list.matches);
    onChange();
    list.addEventListener('change', onChange);
    return () => list.removeEventListener('change', onChange);
  }, [query]);
  return matches;
}
