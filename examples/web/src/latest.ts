// Loads overlap: a changed filter, a live event, an action's reload. Answers can arrive in any
// order, and a slow earlier answer must not overwrite a newer one (the admin's COMPLETED tab once
// showed the PENDING tab's empty answer that arrived second). Each load asks `begin()` for a
// ticket and applies its answer only while the ticket is still the latest.
import { useCallback, useRef } from 'react';

export type Ticket = () => boolean;

export function useLatest(): () => Ticket {
  const generation = useRef(0);
  return useCallback(() => {
    const mine = ++generation.current;
    return () => mine === generation.current;
  }, []);
}
