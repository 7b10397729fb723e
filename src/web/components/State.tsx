import type { ReactNode } from 'react';
import type { RequestState } from '../use-request.ts';
import { useUi } from '../context.tsx';

/** The loading line, the readable error (status, message, request id, a retry) or the content. */
export function Loaded<T>({ state, retry, children }: { state: RequestState<T>; retry: () => void; children: (data: T) => ReactNode }) {
  const { t } = useUi();
  if (state.status === 'loading') {
    return (
      <p className="loading" role="status" aria-live="polite">
        {t('state.loading')}
      </p>
    );
  }
  if (state.status === 'error') {
    const e = state.error;
    return (
      <div className="error" role="alert">
        <p>{t('state.error', { status: e.status || e.code, message: e.message })}</p>
        {e.requestId ? <p className="muted">request id: {e.requestId}</p> : null}
        <button type="button" onClick={retry}>
          {t('state.retry')}
        </button>
      </div>
    );
  }
  return <>{children(state.data)}</>;
}
