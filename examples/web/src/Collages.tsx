// Collages: choose a template, upload photos into the collage, pick them in order, submit, and
// see the rendered collage when the backend has made it (live).
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { describeError, TEMPLATE_CELLS, type Api, type Collage, type CollageTemplate, type Connection, type Photo } from './api';
import { AddToOrder, type CartLine } from './cart';
import type { Currency } from './catalog';
import { keepThumbnails, LiveBadge, useLive } from './live';
import { Uploader } from './Uploader';

const TEMPLATE_LABELS: Record<CollageTemplate, string> = {
  GRID_2X2: 'Grid 2×2 (4 photos)',
  GRID_3X3: 'Grid 3×3 (9 photos)',
  STRIP_1X4: 'Booth strip 1×4 (4 photos)',
  SINGLE: 'Single photo',
};

export function Collages({ api, currency, onAdd }: { api: Api; currency: Currency; onAdd: (line: CartLine) => void }) {
  const [collages, setCollages] = useState<Collage[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<CollageTemplate>('GRID_2X2');
  const [error, setError] = useState('');
  const nameId = useId();
  const templateId = useId();

  const load = useCallback(async () => {
    try {
      setCollages((await api.query<Connection<Collage>>('listCollages', { limit: 50 })).items);
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
      const collage = await api.mutate<Collage>('createCollage', { input: { name: name.trim(), template } });
      setName('');
      setCollages((current) => [collage, ...current]);
      setSelected(collage.collageId);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <div className="two-columns">
      <section aria-labelledby="collages-heading" className="sidebar">
        <h2 id="collages-heading">Collages</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
        >
          <label htmlFor={nameId}>New collage name</label>
          <input id={nameId} value={name} required maxLength={100} onChange={(event) => setName(event.target.value)} />
          <label htmlFor={templateId}>Template</label>
          <select id={templateId} value={template} onChange={(event) => setTemplate(event.target.value as CollageTemplate)}>
            {Object.entries(TEMPLATE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <button type="submit">Create collage</button>
        </form>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <ul className="pick-list">
          {collages.map((collage) => (
            <li key={collage.collageId}>
              <button type="button" aria-pressed={selected === collage.collageId} onClick={() => setSelected(collage.collageId)}>
                {collage.name} <span className="hint">({collage.status.toLowerCase()})</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {selected ? (
        <CollageDetail key={selected} api={api} collageId={selected} currency={currency} onAdd={onAdd} onChanged={load} />
      ) : (
        <p className="placeholder">Create or choose a collage.</p>
      )}
    </div>
  );
}

function CollageDetail({
  api,
  collageId,
  currency,
  onAdd,
  onChanged,
}: {
  api: Api;
  collageId: string;
  currency: Currency;
  onAdd: (line: CartLine) => void;
  onChanged: () => void;
}) {
  const [collage, setCollage] = useState<Collage | null>(null);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState('');

  // Refreshes overlap (an event, an action): only the latest one's answer is shown.
  const generation = useRef(0);
  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [fetched, listed] = await Promise.all([
        api.query<Collage | null>('getCollage', { collageId }),
        api.query<Connection<Photo>>('listCollagePhotos', { collageId, limit: 100 }),
      ]);
      if (mine !== generation.current) return;
      setCollage(fetched);
      setPhotos((shown) => keepThumbnails(shown, listed.items));
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [api, collageId]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const live = useLive(api, 'onCollageUpdated', { collageId }, () => {
    void refresh();
    onChanged();
  });
  const listedKeys = useMemo(() => new Set(photos.map((photo) => photo.key)), [photos]);

  if (!collage) return <p aria-busy="true">Loading the collage…</p>;
  const cells = TEMPLATE_CELLS[collage.template];
  const editable = collage.status === 'DRAFT' || collage.status === 'FAILED';

  function toggle(key: string) {
    setPicked((current) => (current.includes(key) ? current.filter((k) => k !== key) : current.length < cells ? [...current, key] : current));
  }

  async function submit() {
    setError('');
    try {
      if (collage?.status === 'FAILED') await api.mutate('updateCollage', { input: { collageId, status: 'DRAFT' } });
      await api.mutate('updateCollage', { input: { collageId, sourceImages: JSON.stringify(picked) } });
      await api.mutate('updateCollage', { input: { collageId, status: 'PROCESSING' } });
      await refresh();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <section aria-labelledby="collage-heading" className="detail">
      <h2 id="collage-heading">
        {collage.name} <LiveBadge state={live} />
      </h2>
      <p>
        {TEMPLATE_LABELS[collage.template]}; status <strong data-testid="collage-status">{collage.status}</strong>.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {collage.errorMessage && <p className="error">The last render failed: {collage.errorMessage}</p>}
      {editable && (
        <>
          <Uploader api={api} target={{ collageId }} listedKeys={listedKeys} onLanded={refresh} />
          <fieldset>
            <legend>
              Pick {cells} photo{cells > 1 ? 's' : ''} in order ({picked.length} picked)
            </legend>
            <ul className="photo-grid">
              {photos.map((photo) => {
                const position = picked.indexOf(photo.key);
                return (
                  <li key={photo.key} className="photo">
                    <label>
                      <input type="checkbox" checked={position >= 0} onChange={() => toggle(photo.key)} />
                      <img src={photo.thumbnailUrl} alt={photo.fileName} data-testid="thumbnail" />
                      <span>
                        {photo.fileName}
                        {position >= 0 ? ` (cell ${position + 1})` : ''}
                      </span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
          <button type="button" disabled={picked.length !== cells} onClick={() => void submit()}>
            Make the collage
          </button>
        </>
      )}
      {collage.status === 'PROCESSING' && <p role="status">Rendering…</p>}
      {collage.status === 'COMPLETED' && collage.outputImageUrl && (
        <>
          <figure>
            <img className="collage-output" src={collage.outputImageUrl} alt={`The rendered collage ${collage.name}`} data-testid="collage-output" />
            <figcaption>
              <a href={collage.outputImageUrl} target="_blank" rel="noreferrer">
                Open the full-size collage
              </a>
            </figcaption>
          </figure>
          <AddToOrder
            source={{ kind: collage.template === 'STRIP_1X4' ? 'strip' : 'collage', label: `collage ${collage.name}`, collageId }}
            currency={currency}
            onAdd={onAdd}
          />
        </>
      )}
    </section>
  );
}
