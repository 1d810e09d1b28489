import { useEffect, useState } from 'preact/hooks';

/** Hash routes: `#/tickets/42?state=open` → { view: 'tickets', rest: ['42'], query }. */
export interface Route {
  view: string;
  rest: string[];
  query: URLSearchParams;
}

export function parseRoute(hash = location.hash): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [view = '', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { view, rest, query: new URLSearchParams(search) };
}

export function href(view: string, rest: (string | number)[] = [], query?: Record<string, string>): string {
  const q = query ? new URLSearchParams(query).toString() : '';
  return `#/${[view, ...rest.map((r) => encodeURIComponent(String(r)))].join('/')}${q ? `?${q}` : ''}`;
}

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, set] = useState(parseRoute());
  useEffect(() => {
    const on = () => set(parseRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
