// The admin console: orders by status with their items, move an order's status, refund, and the
// owner's figures (SPEC 14) as charts for a chosen range.
import { useCallback, useEffect, useId, useState } from 'react';
import { describeError, ORDER_STATUSES, type Api, type Connection, type Order, type OrderStatus } from './api';
import { money } from './catalog';
import { BarChart } from './Charts';
import { useLatest } from './latest';

const MOVES: Record<OrderStatus, OrderStatus[]> = {
  PENDING: ['PROCESSING', 'FAILED'],
  PROCESSING: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: ['PENDING'],
};

export function Admin({ api }: { api: Api }) {
  return (
    <div className="admin">
      <OrderQueue api={api} />
      <Figures api={api} />
    </div>
  );
}

function OrderQueue({ api }: { api: Api }) {
  const [status, setStatus] = useState<OrderStatus>('PENDING');
  const [orders, setOrders] = useState<Order[]>([]);
  const [error, setError] = useState('');
  const begin = useLatest();
  const load = useCallback(async () => {
    const latest = begin();
    try {
      const page = await api.query<Connection<Order>>('listOrders', { status, limit: 100 });
      if (latest()) setOrders(page.items);
    } catch (failure) {
      if (latest()) setError(describeError(failure));
    }
  }, [api, status, begin]);
  useEffect(() => {
    void load();
  }, [load]);

  async function act(work: () => Promise<unknown>) {
    setError('');
    try {
      await work();
    } catch (failure) {
      setError(describeError(failure));
    }
    await load();
  }
  const refunds = api.has('mutations', 'refundOrder');

  return (
    <section aria-labelledby="queue-heading">
      <h2 id="queue-heading">Orders by status</h2>
      <div role="group" aria-label="Status" className="tabs">
        {ORDER_STATUSES.map((value) => (
          <button key={value} type="button" aria-pressed={status === value} onClick={() => setStatus(value)}>
            {value}
          </button>
        ))}
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table data-testid="admin-orders">
        <caption>{status} orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Customer</th>
            <th scope="col">Items</th>
            <th scope="col">Total</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.orderId} data-order-id={order.orderId}>
              <td>
                {order.orderId.slice(0, 8)}
                <br />
                <span className="hint">{new Date(order.createdAt).toLocaleString()}</span>
              </td>
              <td>{order.customerId.slice(0, 12)}</td>
              <td>
                <ul>
                  {order.items.map((item, index) => (
                    <li key={index}>
                      {item.quantity} × {item.sku}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {money(order.totalPrice, order.currency)}
                {order.payment && <span className="hint"> ({order.payment.status.toLowerCase()})</span>}
              </td>
              <td>
                {MOVES[order.status].map((next) => (
                  <button key={next} type="button" onClick={() => void act(() => api.mutate('updateOrderStatus', { orderId: order.orderId, status: next }))}>
                    Move {order.orderId.slice(0, 8)} to {next}
                  </button>
                ))}
                {refunds && order.status === 'COMPLETED' && order.payment?.status === 'CAPTURED' && (
                  <button type="button" onClick={() => void act(() => api.mutate('refundOrder', { orderId: order.orderId, reason: 'refunded from the console' }))}>
                    Refund {order.orderId.slice(0, 8)}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {orders.length === 0 && <p className="hint">No {status.toLowerCase()} orders.</p>}
    </section>
  );
}

interface Money {
  currency: string;
  amount: number;
}
interface DayStats {
  date: string | null;
  ordersCreated: number;
  ordersCompleted: number;
  ordersFailed: number;
  revenue: Money[];
  refunded: Money[];
  photosUploaded: number;
  collagesRendered: number;
  albumsRendered: number;
  renderFailures: number;
}
interface Stats {
  days: DayStats[];
  totals: DayStats;
}

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

function Figures({ api }: { api: Api }) {
  const [from, setFrom] = useState(isoDay(-13));
  const [to, setTo] = useState(isoDay(0));
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState('');
  const ids = { from: useId(), to: useId() };
  const available = api.has('queries', 'adminStats');

  const begin = useLatest();
  const load = useCallback(async () => {
    if (!available) return;
    const latest = begin();
    setError('');
    try {
      const fetched = await api.query<Stats>('adminStats', { from, to });
      if (latest()) setStats(fetched);
    } catch (failure) {
      if (latest()) setError(describeError(failure));
    }
  }, [api, available, from, to, begin]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!available) {
    return (
      <section aria-labelledby="figures-heading">
        <h2 id="figures-heading">Figures</h2>
        <p data-testid="figures-unavailable">The owner's figures are not available on this stack (its API has no adminStats yet).</p>
      </section>
    );
  }
  const currencies = Array.from(new Set((stats?.days ?? []).flatMap((day) => day.revenue.map((entry) => entry.currency))));
  const label = (day: DayStats) => (day.date ?? '').slice(5);
  return (
    <section aria-labelledby="figures-heading">
      <h2 id="figures-heading">Figures</h2>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          void load();
        }}
      >
        <label htmlFor={ids.from}>From</label>
        <input id={ids.from} type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        <label htmlFor={ids.to}>To</label>
        <input id={ids.to} type="date" value={to} onChange={(event) => setTo(event.target.value)} />
        <button type="submit">Show</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {stats && (
        <>
          <p data-testid="figures-totals">
            {stats.totals.ordersCreated} orders created, {stats.totals.ordersCompleted} completed, {stats.totals.ordersFailed} failed;
            revenue {stats.totals.revenue.map((entry) => money(entry.amount, entry.currency)).join(', ') || 'none'}; {stats.totals.photosUploaded} photos
            uploaded.
          </p>
          {currencies.map((currency) => (
            <BarChart
              key={currency}
              title={`Revenue per day (${currency})`}
              bars={stats.days.map((day) => ({ label: label(day), value: day.revenue.find((entry) => entry.currency === currency)?.amount ?? 0 }))}
              format={(value) => money(value, currency)}
            />
          ))}
          <BarChart title="Orders completed per day" bars={stats.days.map((day) => ({ label: label(day), value: day.ordersCompleted }))} />
          <BarChart title="Photos uploaded per day" bars={stats.days.map((day) => ({ label: label(day), value: day.photosUploaded }))} />
        </>
      )}
    </section>
  );
}
