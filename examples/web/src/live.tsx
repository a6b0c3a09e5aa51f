// Live updates: a subscription (AppSync's real-time protocol) that triggers a refetch, since a
// broadcast carries no presigned URLs (SPEC 10). Should the live channel be refused or unreachable
// (a browser that does not trust the local stack's certificate, say), the hook polls instead, and
// says so: the page still follows its objects without a reload.
import { useEffect, useRef, useState } from 'react';
import type { Api } from './api';

export type LiveState = 'connecting' | 'live' | 'polling';
const POLL_MS = 3000;

export function useLive(
  api: Api,
  subscription: string,
  args: Record<string, unknown> | null,
  onChange: () => void,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const latest = useRef(onChange);
  latest.current = onChange;
  const key = args ? JSON.stringify(args) : null;

  useEffect(() => {
    if (key === null) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    const poll = () => {
      setState('polling');
      timer ??= setInterval(() => latest.current(), POLL_MS);
    };
    // Amplify acknowledges a subscription without telling its caller; the first event or a
    // short settle time marks it live, an error switches to polling.
    const settle = setTimeout(() => setState((current) => (current === 'connecting' ? 'live' : current)), 1500);
    const stop = api.subscribe(
      subscription,
      JSON.parse(key) as Record<string, unknown>,
      () => {
        setState('live');
        latest.current();
      },
      poll,
    );
    return () => {
      clearTimeout(settle);
      if (timer) clearInterval(timer);
      stop();
    };
  }, [api, subscription, key]);
  return state;
}

export function LiveBadge({ state }: { state: LiveState }) {
  const text = state === 'live' ? 'Live' : state === 'polling' ? 'Refreshing every few seconds' : 'Connecting…';
  return (
    <span className={`badge badge-${state}`} data-live={state}>
      {text}
    </span>
  );
}
