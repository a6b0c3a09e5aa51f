// Collages: choose a template, upload photos into the collage, pick them in order, submit, and
// see the rendered collage when the backend has made it (live). The page, the list and the live
// item are the media items' (MediaItems.tsx); a collage adds its template, the photos picked for
// its cells, and the rendered image.
import { useId, useState } from 'react';
import { TEMPLATE_CELLS, type Api, type Collage, type CollageTemplate } from './api';
import { AddToOrder, type CartLine } from './cart';
import type { Currency } from './catalog';
import { MediaItemDetail, MediaItemsPage, useMediaItem, type MediaItemDetailProps } from './MediaItems';
import { Uploader } from './Uploader';

const TEMPLATE_LABELS: Record<CollageTemplate, string> = {
  GRID_2X2: 'Grid 2×2 (4 photos)',
  GRID_3X3: 'Grid 3×3 (9 photos)',
  STRIP_1X4: 'Booth strip 1×4 (4 photos)',
  SINGLE: 'Single photo',
};

export function Collages({ api, currency, onAdd }: { api: Api; currency: Currency; onAdd: (line: CartLine) => void }) {
  const [template, setTemplate] = useState<CollageTemplate>('GRID_2X2');
  const templateId = useId();
  return (
    <MediaItemsPage<Collage>
      api={api}
      kind="collage"
      createFields={
        <>
          <label htmlFor={templateId}>Template</label>
          <select id={templateId} value={template} onChange={(event) => setTemplate(event.target.value as CollageTemplate)}>
            {Object.entries(TEMPLATE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </>
      }
      createInput={{ template }}
      hint={(collage) => collage.status.toLowerCase()}
      placeholder="Create or choose a collage."
      detail={(collageId, onChanged) => (
        <CollageDetail key={collageId} api={api} id={collageId} currency={currency} onAdd={onAdd} onChanged={onChanged} />
      )}
    />
  );
}

function CollageDetail({ api, id: collageId, currency, onAdd, onChanged }: MediaItemDetailProps) {
  const view = useMediaItem<Collage>(api, 'collage', collageId, onChanged);
  const { photos, listedKeys, act, refresh } = view;
  const [picked, setPicked] = useState<string[]>([]);

  async function submit(collage: Collage) {
    if (collage.status === 'FAILED') await api.mutate('updateCollage', { input: { collageId, status: 'DRAFT' } });
    await api.mutate('updateCollage', { input: { collageId, sourceImages: JSON.stringify(picked) } });
    await api.mutate('updateCollage', { input: { collageId, status: 'PROCESSING' } });
  }

  return (
    <MediaItemDetail
      kind="collage"
      view={view}
      failedRender="The last render failed"
      summary={(collage) => (
        <>
          {TEMPLATE_LABELS[collage.template]}; status <strong data-testid="collage-status">{collage.status}</strong>.
        </>
      )}
    >
      {(collage) => {
        const cells = TEMPLATE_CELLS[collage.template];
        const editable = collage.status === 'DRAFT' || collage.status === 'FAILED';
        const toggle = (key: string) =>
          setPicked((current) =>
            current.includes(key) ? current.filter((k) => k !== key) : current.length < cells ? [...current, key] : current,
          );
        return (
          <>
            {editable && (
              <>
                <Uploader api={api} target={{ kind: 'collage', id: collageId }} listedKeys={listedKeys} onLanded={refresh} />
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
                <button type="button" disabled={picked.length !== cells} onClick={() => void act(() => submit(collage))}>
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
          </>
        );
      }}
    </MediaItemDetail>
  );
}
