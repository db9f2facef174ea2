// The one place that names the vendored UI library (Preact + htm, see /vendor/README.md).
export {
  html,
  render,
  Component,
  createContext,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from '/vendor/htm-preact-standalone-3.1.1.js';
