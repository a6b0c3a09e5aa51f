// Albums and collages: one page for both kinds of media item, parameterised by the kind (as the
// backend's media/items.py is). The list with its create form, and the chosen item followed live
// with its photos, are written here once; Albums.tsx and Collages.tsx say only what differs (a
// collage's template and photo picking, an album's PDF).
import { useCallback, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { useLatest } from './latest';
import { describeError, idArgument, MEDIA_TYPE, type Api, type Connection, type MediaKind, type Photo } from './api';
import type { CartLine } from './cart';
import type { Currency } from './catalog';
import { keepThumbnails, LiveBadge, useLive, type LiveState } from './live';

// What a kind's detail page is given: the chosen item's id, and the page's own context.
export interface MediaItemDetailProps {
  api: Api;
  id: string;
  currency: Currency;
  onAdd: (line: CartLine) => void;
  onChanged: () => void;
}

interface MediaItem {
  name: string;
  status: string;
  errorMessage?: string | null;
}

const itemId = (kind: MediaKind, item: MediaItem): string => (item as unknown as Record<string, string>)[`${kind}Id`];

export function MediaItemsPage<T extends MediaItem>({
  api,
  kind,
  createFields,
  createInput,
  hint,
  placeholder,
  detail,
}: {
  api: Api;
  kind: MediaKind;
  createFields?: ReactNode; // the kind's own fields of the create form (a collage's template)
  createInput?: Record<string, unknown>; // their values, sent with the name
  hint: (item: T) => string; // what the list says of each item
  placeholder: string;
  detail: (id: string, onChanged: () => void) => ReactNode; // keyed by the id: a fresh page per item
}) {
  const type = MEDIA_TYPE[kind];
  const [items, setItems] = useState<T[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const nameId = useId();

  const begin = useLatest();
  const load = useCallback(async () => {
    const latest = begin();
    try {
      const page = await api.query<Connection<T>>(`list${type}s`, { limit: 50 });
      if (latest()) setItems(page.items);
    } catch (failure) {
      if (latest()) setError(describeError(failure));
    }
  }, [api, type, begin]);
  useEffect(() => {
    void load();
  }, [load]);

  async function create() {
    setError('');
    try {
      const item = await api.mutate<T>(`create${type}`, { input: { name: name.trim(), ...createInput } });
      setName('');
      setItems((current) => [item, ...current]);
      setSelected(itemId(kind, item));
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <div className="two-columns">
      <section aria-labelledby={`${kind}s-heading`} className="sidebar">
        <h2 id={`${kind}s-heading`}>{type}s</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
        >
          <label htmlFor={nameId}>New {kind} name</label>
          <input id={nameId} value={name} required maxLength={100} onChange={(event) => setName(event.target.value)} />
          {createFields}
          <button type="submit">Create {kind}</button>
        </form>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <ul className="pick-list">
          {items.map((item) => {
            const id = itemId(kind, item);
            return (
              <li key={id}>
                <button type="button" aria-pressed={selected === id} onClick={() => setSelected(id)}>
                  {item.name} <span className="hint">({hint(item)})</span>
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      {selected ? detail(selected, load) : <p className="placeholder">{placeholder}</p>}
    </div>
  );
}

export interface MediaItemView<T> {
  item: T | null;
  photos: Photo[];
  listedKeys: Set<string>;
  live: LiveState;
  error: string;
  refresh: () => Promise<void>;
  act: (work: () => Promise<unknown>) => Promise<void>; // run an action, then refresh; a failure is shown
}

// One item and its photos, refetched on every live change of it (a broadcast has no URLs).
export function useMediaItem<T>(api: Api, kind: MediaKind, id: string, onChanged: () => void): MediaItemView<T> {
  const type = MEDIA_TYPE[kind];
  const [item, setItem] = useState<T | null>(null);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [error, setError] = useState('');
  const args = useMemo(() => idArgument({ kind, id }), [kind, id]);

  const begin = useLatest();
  const refresh = useCallback(async () => {
    const latest = begin();
    try {
      const [fetched, listed] = await Promise.all([
        api.query<T | null>(`get${type}`, args),
        api.query<Connection<Photo>>(`list${type}Photos`, { ...args, limit: 100 }),
      ]);
      if (!latest()) return;
      setItem(fetched);
      setPhotos((shown) => keepThumbnails(shown, listed.items));
    } catch (failure) {
      if (latest()) setError(describeError(failure));
    }
  }, [api, type, args, begin]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const live = useLive(api, `on${type}Updated`, args, () => {
    void refresh();
    onChanged();
  });
  const listedKeys = useMemo(() => new Set(photos.map((photo) => photo.key)), [photos]);

  const act = useCallback(
    async (work: () => Promise<unknown>) => {
      setError('');
      try {
        await work();
        await refresh();
      } catch (failure) {
        setError(describeError(failure));
      }
    },
    [refresh],
  );
  return { item, photos, listedKeys, live, error, refresh, act };
}

// The frame of an item's page: its name (and whether it is followed live), what the kind says of
// its status, the last action's error, why the last render failed, then the kind's own content.
export function MediaItemDetail<T extends MediaItem>({
  kind,
  view,
  summary,
  failedRender,
  children,
}: {
  kind: MediaKind;
  view: MediaItemView<T>;
  summary: (item: T) => ReactNode;
  failedRender: string; // "The last PDF failed", "The last render failed"
  children: (item: T) => ReactNode;
}) {
  const { item, live, error } = view;
  if (!item) return <p aria-busy="true">Loading the {kind}…</p>;
  return (
    <section aria-labelledby={`${kind}-heading`} className="detail">
      <h2 id={`${kind}-heading`}>
        {item.name} <LiveBadge state={live} />
      </h2>
      <p>{summary(item)}</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {item.errorMessage && (
        <p className="error">
          {failedRender}: {item.errorMessage}
        </p>
      )}
      {children(item)}
    </section>
  );
}
