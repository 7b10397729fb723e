import { useCallback, useEffect, useState } from 'react';
import { ApiFailure } from './api.ts';

export type RequestState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: ApiFailure }
  | { readonly status: 'ok'; readonly data: T };

/** Runs `load` whenever `key` changes; a newer request wins over a slower older one. */
export function useRequest<T>(load: () => Promise<T>, key: string): RequestState<T> & { retry: () => void } {
  const [state, setState] = useState<RequestState<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    load().then(
      (data) => live && setState({ status: 'ok', data }),
      (err: unknown) => live && setState({ status: 'error', error: err instanceof ApiFailure ? err : new ApiFailure(0, 'CLIENT', err instanceof Error ? err.message : String(err), null) }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render: `key` names what it loads.
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { ...state, retry };
}
