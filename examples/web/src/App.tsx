// The booth app: a guest starts at once (identity-pool credentials); signing in switches to the
// user pool. Tabs: albums, collages, the order being put together, orders, account, admin.
import { Authenticator } from '@aws-amplify/ui-react';
import { fetchAuthSession, getCurrentUser, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Admin } from './Admin';
import { Albums } from './Albums';
import { Api, describeError, type Order } from './api';
import type { CartLine } from './cart';
import type { Currency } from './catalog';
import { Collages } from './Collages';
import type { Outputs } from './config';
import { Cart, Orders } from './Orders';
import { Preferences } from './Preferences';

type Tab = 'albums' | 'collages' | 'order' | 'orders' | 'account' | 'admin';

interface Who {
  signedIn: boolean;
  email?: string;
  admin: boolean;
}

// Right after sign-in, the guest identity is merged into the user's (Cognito's GetCredentialsForIdentity
// with Logins); a concurrent credentials call that still names the guest identity can be told it is
// gone. Amplify then forgets it, so asking again gets the user's identity.
async function sessionAfterSignIn(attempts = 3): Promise<Awaited<ReturnType<typeof fetchAuthSession>>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetchAuthSession();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

async function whoIsThere(): Promise<Who> {
  let user;
  try {
    user = await getCurrentUser();
  } catch {
    // A guest: fetch the identity-pool identity once, before any request. The first screen sends
    // several requests at once; each would otherwise ask for a guest identity of its own, and the
    // album made with one would be "no such album" to the next request, signed as another.
    await fetchAuthSession();
    return { signedIn: false, admin: false };
  }
  const session = await sessionAfterSignIn();
  const groups = (session.tokens?.accessToken.payload['cognito:groups'] as string[] | undefined) ?? [];
  return { signedIn: true, email: user.signInDetails?.loginId ?? user.username, admin: groups.includes('admins') };
}

export function App({ outputs }: { outputs: Outputs }) {
  const [who, setWho] = useState<Who | null>(null);
  const [tab, setTab] = useState<Tab>('albums');
  const [cart, setCart] = useState<CartLine[]>([]);
  const [currency, setCurrency] = useState<Currency>('USD');
  const [selectedOrder, setSelectedOrder] = useState<string | null>(null);
  const [error, setError] = useState('');

  const refreshWho = useCallback(() => {
    whoIsThere()
      .then(setWho)
      .catch((failure) => setError(describeError(failure)));
  }, []);
  useEffect(() => {
    refreshWho();
    return Hub.listen('auth', ({ payload }) => {
      if (payload.event === 'signedIn' || payload.event === 'signedOut') {
        refreshWho();
        setTab('albums');
      }
    });
  }, [refreshWho]);

  const api = useMemo(() => (who ? new Api(outputs, who.signedIn ? 'userPool' : 'iam') : null), [outputs, who]);
  const addLine = useCallback((line: CartLine) => setCart((current) => [...current, line]), []);

  if (!who || !api) return <p aria-busy="true">Starting the booth…</p>;

  const tabs: Array<[Tab, string]> = [
    ['albums', 'Albums'],
    ['collages', 'Collages'],
    ['order', `Your order (${cart.length})`],
    ['orders', 'Orders'],
    ['account', who.signedIn ? 'Account' : 'Sign in or sign up'],
  ];
  if (who.admin) tabs.push(['admin', 'Admin console']);

  return (
    <>
      <header className="top">
        <h1>Ape Moments booth</h1>
        <p className="who" data-testid="who">
          {who.signedIn ? `Signed in as ${who.email}${who.admin ? ' (admin)' : ''}` : 'Guest: your work stays on this browser until you sign in'}
        </p>
        <nav aria-label="Sections">
          <ul>
            {tabs.map(([value, label]) => (
              <li key={value}>
                <button type="button" aria-current={tab === value ? 'page' : undefined} onClick={() => setTab(value)}>
                  {label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {tab === 'albums' && <Albums api={api} currency={currency} onAdd={addLine} />}
        {tab === 'collages' && <Collages api={api} currency={currency} onAdd={addLine} />}
        {tab === 'order' && (
          <Cart
            api={api}
            lines={cart}
            currency={currency}
            setCurrency={setCurrency}
            onRemove={(index) => setCart((current) => current.filter((_, i) => i !== index))}
            onPlaced={(order: Order) => {
              setCart([]);
              setSelectedOrder(order.orderId);
              setTab('orders');
            }}
          />
        )}
        {tab === 'orders' && <Orders api={api} local={outputs.custom?.local} selected={selectedOrder} onSelect={setSelectedOrder} />}
        {tab === 'account' &&
          (who.signedIn ? (
            <section aria-labelledby="account-heading">
              <h2 id="account-heading">Account</h2>
              <p>Signed in as {who.email}.</p>
              <Preferences api={api} />
              <button type="button" onClick={() => void signOut()}>
                Sign out
              </button>
            </section>
          ) : (
            <section aria-labelledby="account-heading">
              <h2 id="account-heading">Sign in or sign up</h2>
              <p className="hint">Your guest albums, collages and orders stay with this browser's guest identity.</p>
              <Authenticator loginMechanisms={['email']} />
            </section>
          ))}
        {tab === 'admin' && who.admin && <Admin api={api} />}
      </main>
    </>
  );
}
