// Email preferences (SPEC 13) for signed-in customers, when the stack has them.
import { useEffect, useState } from 'react';
import { describeError, type Api } from './api';

export function Preferences({ api }: { api: Api }) {
  const available = api.has('queries', 'emailPreferences') && api.has('mutations', 'setEmailPreferences');
  const [orderEmails, setOrderEmails] = useState<boolean | null>(null);
  const [message, setMessage] = useState('');
  useEffect(() => {
    if (!available) return;
    api
      .query<{ orderEmails: boolean }>('emailPreferences')
      .then((preferences) => setOrderEmails(preferences.orderEmails))
      .catch((failure) => setMessage(describeError(failure)));
  }, [api, available]);

  if (!available) return <p className="hint">Email preferences are not available on this stack yet.</p>;
  return (
    <fieldset>
      <legend>Email</legend>
      <label>
        <input
          type="checkbox"
          checked={orderEmails ?? true}
          disabled={orderEmails === null}
          onChange={async (event) => {
            const wanted = event.target.checked;
            try {
              const saved = await api.mutate<{ orderEmails: boolean }>('setEmailPreferences', { orderEmails: wanted });
              setOrderEmails(saved.orderEmails);
              setMessage(saved.orderEmails ? 'You will get emails about your orders.' : 'No more emails about your orders.');
            } catch (failure) {
              setMessage(describeError(failure));
            }
          }}
        />{' '}
        Email me about my orders, albums and collages
      </label>
      <p role="status">{message}</p>
    </fieldset>
  );
}
