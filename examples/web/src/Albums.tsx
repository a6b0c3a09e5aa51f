// Albums: create one, upload photos into it, watch thumbnails arrive, delete a photo, make the PDF.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { describeError, type Album, type Api, type Connection, type Photo } from './api';
import { AddToOrder, type CartLine } from './cart';
import type { Currency } from './catalog';
import { keepThumbnails, LiveBadge, useLive } from './live';
import { Uploader } from './Uploader';

export function Albums({ api, currency, onAdd }: { api: Api; currency: Currency; onAdd: (line: CartLine) => void }) {
  const [albums, setAlbums] = useState<Album[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const nameId = useId();

  const load = useCallback(async () => {
    try {
      const listed = await api.query<Connection<Album>>('listAlbums', { limit: 50 });
      setAlbums(listed.items);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  async function create() {
    setError('');
    try {
      const album = await api.mutate<Album>('createAlbum', { input: { name: name.trim() } });
      setName('');
      setAlbums((current) => [album, ...current]);
      setSelected(album.albumId);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <div className="two-columns">
      <section aria-labelledby="albums-heading" className="sidebar">
        <h2 id="albums-heading">Albums</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
        >
          <label htmlFor={nameId}>New album name</label>
          <input id={nameId} value={name} required maxLength={100} onChange={(event) => setName(event.target.value)} />
          <button type="submit">Create album</button>
        </form>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <ul className="pick-list">
          {albums.map((album) => (
            <li key={album.albumId}>
              <button type="button" aria-pressed={selected === album.albumId} onClick={() => setSelected(album.albumId)}>
                {album.name} <span className="hint">({album.imageCount} photos, {album.status.toLowerCase()})</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {selected ? (
        <AlbumDetail key={selected} api={api} albumId={selected} currency={currency} onAdd={onAdd} onChanged={load} />
      ) : (
        <p className="placeholder">Create or choose an album to upload photos.</p>
      )}
    </div>
  );
}

function AlbumDetail({
  api,
  albumId,
  currency,
  onAdd,
  onChanged,
}: {
  api: Api;
  albumId: string;
  currency: Currency;
  onAdd: (line: CartLine) => void;
  onChanged: () => void;
}) {
  const [album, setAlbum] = useState<Album | null>(null);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [error, setError] = useState('');

  // Refreshes overlap (an event, an action): only the latest one's answer is shown.
  const generation = useRef(0);
  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [fetched, listed] = await Promise.all([
        api.query<Album | null>('getAlbum', { albumId }),
        api.query<Connection<Photo>>('listAlbumPhotos', { albumId, limit: 100 }),
      ]);
      if (mine !== generation.current) return;
      setAlbum(fetched);
      setPhotos((shown) => keepThumbnails(shown, listed.items));
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [api, albumId]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const live = useLive(api, 'onAlbumUpdated', { albumId }, () => {
    void refresh();
    onChanged();
  });
  const listedKeys = useMemo(() => new Set(photos.map((photo) => photo.key)), [photos]);

  async function act(work: () => Promise<unknown>) {
    setError('');
    try {
      await work();
      await refresh();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  async function makePdf() {
    if (album?.status === 'UPLOADING') await api.mutate<Album>('updateAlbum', { input: { albumId, status: 'READY' } });
    await api.mutate<Album>('updateAlbum', { input: { albumId, status: 'PROCESSING' } });
  }

  if (!album) return <p aria-busy="true">Loading the album…</p>;
  const takesUploads = album.status === 'UPLOADING' || album.status === 'READY';
  return (
    <section aria-labelledby="album-heading" className="detail">
      <h2 id="album-heading">
        {album.name} <LiveBadge state={live} />
      </h2>
      <p>
        Status <strong data-testid="album-status">{album.status}</strong>, <span data-testid="image-count">{album.imageCount}</span> photos.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {album.errorMessage && <p className="error">The last PDF failed: {album.errorMessage}</p>}
      {takesUploads && <Uploader api={api} target={{ albumId }} listedKeys={listedKeys} onLanded={refresh} />}
      <ul className="photo-grid" aria-label="Photos">
        {photos.map((photo) => (
          <li key={photo.key} className="photo">
            <a href={photo.url} target="_blank" rel="noreferrer">
              <img src={photo.thumbnailUrl} alt={`${photo.fileName}, ${photo.width}×${photo.height}`} data-testid="thumbnail" />
            </a>
            <span className="hint">{photo.fileName}</span>
            {takesUploads && (
              <button type="button" onClick={() => void act(() => api.mutate('deletePhoto', { key: photo.key }))}>
                Delete {photo.fileName}
              </button>
            )}
            <AddToOrder source={{ kind: 'photo', label: photo.fileName, photoKey: photo.key }} currency={currency} onAdd={onAdd} />
          </li>
        ))}
      </ul>
      <h3>Album PDF</h3>
      {album.status === 'COMPLETED' && album.pdfUrl ? (
        <p>
          <a href={album.pdfUrl} target="_blank" rel="noreferrer" data-testid="pdf-link">
            Open the album PDF
          </a>
        </p>
      ) : album.status === 'PROCESSING' ? (
        <p role="status">Making the PDF…</p>
      ) : (
        <button type="button" disabled={photos.length === 0} onClick={() => void act(makePdf)}>
          Make the album PDF
        </button>
      )}
      {album.status === 'COMPLETED' && (
        <AddToOrder source={{ kind: 'album', label: `album ${album.name}`, albumId }} currency={currency} onAdd={onAdd} />
      )}
    </section>
  );
}
