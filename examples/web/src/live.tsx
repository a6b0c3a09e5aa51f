// Live updates: a subscription (AppSync's real-time protocol) that triggers a refetch, since a
// broadcast carries no presigned URLs (SPEC 10). Should the live channel be refused or unreachable
// (a browser that does not trust the local stack's certificate, say), the hook polls instead, and
// says so: the page still follows its objects without a reload.
import { CONNECTION_STATE_CHANGE, ConnectionState } from 'aws-amplify/data';
import { Hub } from 'aws-amplify/utils';
import { useEffect, useRef, useState } from 'react';
import type { Api } from './api';

// The realtime connection is shared by every subscription: remember its last state, so that a
// subscription started on a connection already up is not left waiting for a Connected event.
let connectionState: string | undefined;
Hub.listen('api', ({ payload }) => {
  const data = payload.data as { connectionState?: string } | undefined;
  if (payload.event === CONNECTION_STATE_CHANGE) connectionState = data?.connectionState;
});
const START_ACK_MS = 1000;

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
    // Amplify reports its realtime connection on the Hub: Connected once the server acknowledged
    // the subscription; an error switches to polling.
    const alreadyUp = setTimeout(() => {
      if (connectionState === ConnectionState.Connected) setState((current) => (current === 'connecting' ? 'live' : current));
    }, START_ACK_MS);
    const stopListening = Hub.listen('api', ({ payload }) => {
      const data = payload.data as { connectionState?: string } | undefined;
      if (payload.event === CONNECTION_STATE_CHANGE && data?.connectionState === ConnectionState.Connected) {
        setState((current) => (current === 'polling' ? current : 'live'));
      }
    });
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
      stopListening();
      clearTimeout(alreadyUp);
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

/** A refetch signs new URLs for every photo: keep the thumbnail URL already shown (the image stays
 * as it is instead of loading again), take the rest of the fresh listing. */
export function keepThumbnails<T extends { key: string; thumbnailUrl: string }>(shown: T[], fresh: T[]): T[] {
  const before = new Map(shown.map((photo) => [photo.key, photo.thumbnailUrl]));
  return fresh.map((photo) => ({ ...photo, thumbnailUrl: before.get(photo.key) ?? photo.thumbnailUrl }));
}
