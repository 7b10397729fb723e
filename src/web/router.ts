import { useEffect, useState } from 'react';

/**
 * The console's location: the page is the path, the filters are the query string, so a view
 * can be shared by its URL. navigate() pushes a history entry; the back button works.
 */
export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

const EVENT = 'tenure:navigate';

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

export function hrefOf(path: string, query: Readonly<Record<string, string | undefined | null>> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

export function navigate(path: string, query: Readonly<Record<string, string | undefined | null>> = {}, replace = false): void {
  const href = hrefOf(path, query);
  if (href === `${window.location.pathname}${window.location.search}`) return;
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(EVENT));
}
