// Orders: place the order put together in the cart, pay (card through checkoutOrder when the stack
// has it, else the sandbox path processOrder), follow its status live, download what is digital.
import { useCallback, useEffect, useId, useState } from 'react';
import { useLatest } from './latest';
import { describeError, type Api, type Checkout, type Connection, type Order } from './api';
import { sourceFields, type CartLine } from './cart';
import { CATALOG, CURRENCIES, money, type Currency } from './catalog';
import type { LocalEndpoints } from './config';
import { LiveBadge, useLive } from './live';
import { completeCardAction, paymentMethodFor } from './payment';

export function Cart({
  api,
  lines,
  currency,
  setCurrency,
  onRemove,
  onPlaced,
}: {
  api: Api;
  lines: CartLine[];
  currency: Currency;
  setCurrency: (currency: Currency) => void;
  onRemove: (index: number) => void;
  onPlaced: (order: Order) => void;
}) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const currencyId = useId();
  const estimate = lines.reduce((sum, line) => sum + Number(CATALOG.find((p) => p.sku === line.sku)?.prices[currency] ?? 0) * line.quantity, 0);

  async function place() {
    setBusy(true);
    setError('');
    try {
      const items = lines.map((line) => ({ sku: line.sku, quantity: line.quantity, ...sourceFields(line.source) }));
      const order = await api.mutate<Order>('createOrder', { items, currency, idempotencyKey: crypto.randomUUID().replace(/-/g, '') });
      onPlaced(order);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="cart-heading" className="cart">
      <h2 id="cart-heading">Your order</h2>
      <label htmlFor={currencyId}>Currency</label>
      <select id={currencyId} value={currency} onChange={(event) => setCurrency(event.target.value as Currency)}>
        {CURRENCIES.map((code) => (
          <option key={code}>{code}</option>
        ))}
      </select>
      {lines.length === 0 ? (
        <p className="hint">Nothing yet: add prints, downloads or albums from your photos, collages and albums.</p>
      ) : (
        <>
          <ul>
            {lines.map((line, index) => (
              <li key={`${line.sku}-${index}`}>
                {line.quantity} × {line.sku} of {line.source.label}{' '}
                <button type="button" onClick={() => onRemove(index)}>
                  Remove {line.sku} of {line.source.label}
                </button>
              </li>
            ))}
          </ul>
          <p>About {money(estimate, currency)} (the booth prices the order when it is placed).</p>
          <button type="button" disabled={busy} onClick={() => void place()}>
            Place order
          </button>
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

export function Orders({ api, local, selected, onSelect }: { api: Api; local?: LocalEndpoints; selected: string | null; onSelect: (orderId: string) => void }) {
  const [orders, setOrders] = useState<Order[]>([]);
  const [error, setError] = useState('');
  const begin = useLatest();
  const load = useCallback(async () => {
    const latest = begin();
    try {
      const page = await api.query<Connection<Order>>('listOrders', { limit: 50 });
      if (latest()) setOrders(page.items);
    } catch (failure) {
      if (latest()) setError(describeError(failure));
    }
  }, [api, begin]);
  useEffect(() => {
    void load();
  }, [load, selected]);

  return (
    <div className="two-columns">
      <section aria-labelledby="orders-heading" className="sidebar">
        <h2 id="orders-heading">Orders</h2>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <ul className="pick-list">
          {orders.map((order) => (
            <li key={order.orderId}>
              <button type="button" aria-pressed={selected === order.orderId} onClick={() => onSelect(order.orderId)}>
                {new Date(order.createdAt).toLocaleString()} — {money(order.totalPrice, order.currency)}{' '}
                <span className="hint">{order.status}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {selected ? <OrderDetail key={selected} api={api} local={local} orderId={selected} onChanged={load} /> : <p className="placeholder">Choose an order.</p>}
    </div>
  );
}

function OrderDetail({ api, local, orderId, onChanged }: { api: Api; local?: LocalEndpoints; orderId: string; onChanged: () => void }) {
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState('');
  const begin = useLatest();
  const refresh = useCallback(async () => {
    const latest = begin();
    try {
      const fetched = await api.query<Order | null>('getOrder', { orderId });
      if (latest()) setOrder(fetched);
    } catch (failure) {
      if (latest()) setError(describeError(failure));
    }
  }, [api, orderId, begin]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const live = useLive(api, 'onOrderUpdated', { orderId }, () => {
    void refresh();
    onChanged();
  });

  async function cancel() {
    try {
      await api.mutate('updateOrderStatus', { orderId, status: 'FAILED', errorMessage: 'cancelled by the customer' });
      await refresh();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  if (!order) return <p aria-busy="true">Loading the order…</p>;
  return (
    <section aria-labelledby="order-heading" className="detail">
      <h2 id="order-heading">
        Order {order.orderId.slice(0, 8)} <LiveBadge state={live} />
      </h2>
      <p>
        Status{' '}
        <strong data-testid="order-status" aria-live="polite">
          {order.status}
        </strong>
        , total {money(order.totalPrice, order.currency)}.
      </p>
      {order.errorMessage && <p className="error">{order.errorMessage}</p>}
      {order.payment && (
        <p data-testid="payment">
          Payment: {order.payment.status.toLowerCase()} ({order.payment.provider})
          {order.payment.amountRefunded > 0 && `, ${money(order.payment.amountRefunded / 100, order.payment.currency)} refunded`}
        </p>
      )}
      <table>
        <caption>Items</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Quantity</th>
            <th scope="col">Line total</th>
            <th scope="col">Download</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((item, index) => (
            <tr key={index}>
              <td>{item.sku}</td>
              <td>{item.quantity}</td>
              <td>{money(item.lineTotal, order.currency)}</td>
              <td>
                {item.downloadUrl ? (
                  <a href={item.downloadUrl} data-testid="download-link" download>
                    Download
                  </a>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {order.status === 'PENDING' && (
        <>
          <Pay api={api} local={local} order={order} onPaid={refresh} />
          <button type="button" onClick={() => void cancel()}>
            Cancel the order
          </button>
        </>
      )}
    </section>
  );
}

const TEST_CARD = '4242 4242 4242 4242';

function Pay({ api, local, order, onPaid }: { api: Api; local?: LocalEndpoints; order: Order; onPaid: () => void }) {
  const cardPayments = api.has('mutations', 'checkoutOrder');
  const [number, setNumber] = useState(local ? TEST_CARD : '');
  const [expiry, setExpiry] = useState('12/34');
  const [cvc, setCvc] = useState(local ? '123' : '');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const ids = { number: useId(), expiry: useId(), cvc: useId() };

  async function payByCard() {
    const [month, year] = expiry.split('/').map((part) => Number(part.trim()));
    const paymentMethodId = await paymentMethodFor({ number, expMonth: month, expYear: year < 100 ? 2000 + year : year, cvc }, local);
    let checkout = await api.mutate<Checkout>('checkoutOrder', { orderId: order.orderId, paymentMethodId });
    if (checkout.status === 'REQUIRES_ACTION' && checkout.clientSecret && checkout.publishableKey) {
      await completeCardAction(checkout.clientSecret, checkout.publishableKey, local?.stripeJsUrl ?? 'https://js.stripe.com/v3/');
      checkout = await api.mutate<Checkout>('checkoutOrder', { orderId: order.orderId });
    }
    if (checkout.status === 'REQUIRES_PAYMENT') throw new Error(`the card was declined: ${checkout.declineReason ?? 'no reason given'}`);
    setMessage(`Payment ${checkout.status.toLowerCase()}: the booth is making your order.`);
  }

  async function pay() {
    setBusy(true);
    setMessage('');
    try {
      if (cardPayments) await payByCard();
      else {
        await api.mutate<Order>('processOrder', { orderId: order.orderId });
        setMessage('Paid (sandbox): the booth is making your order.');
      }
      onPaid();
    } catch (failure) {
      setMessage(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="pay"
      aria-label="Payment"
      onSubmit={(event) => {
        event.preventDefault();
        void pay();
      }}
    >
      <h3>Pay {money(order.totalPrice, order.currency)}</h3>
      {cardPayments ? (
        <>
          <label htmlFor={ids.number}>Card number</label>
          <input id={ids.number} inputMode="numeric" autoComplete="cc-number" required value={number} onChange={(event) => setNumber(event.target.value)} />
          <label htmlFor={ids.expiry}>Expiry (MM/YY)</label>
          <input id={ids.expiry} autoComplete="cc-exp" required value={expiry} onChange={(event) => setExpiry(event.target.value)} />
          <label htmlFor={ids.cvc}>CVC</label>
          <input id={ids.cvc} inputMode="numeric" autoComplete="cc-csc" required value={cvc} onChange={(event) => setCvc(event.target.value)} />
        </>
      ) : (
        <p className="hint">This stack charges through its sandbox provider (no card needed).</p>
      )}
      <button type="submit" disabled={busy}>
        {cardPayments ? 'Pay by card' : 'Pay (sandbox)'}
      </button>
      {message && <p role="status">{message}</p>}
    </form>
  );
}
