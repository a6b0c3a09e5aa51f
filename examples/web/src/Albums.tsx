// Albums: create one, upload photos into it, watch thumbnails arrive, delete a photo, make the PDF.
// The page, the list and the live item are the media items' (MediaItems.tsx); an album adds its
// photo count, photo deletion while it takes uploads, and its PDF.
import type { Album, Api } from './api';
import { AddToOrder, type CartLine } from './cart';
import type { Currency } from './catalog';
import { MediaItemDetail, MediaItemsPage, useMediaItem, type MediaItemDetailProps } from './MediaItems';
import { Uploader } from './Uploader';

export function Albums({ api, currency, onAdd }: { api: Api; currency: Currency; onAdd: (line: CartLine) => void }) {
  return (
    <MediaItemsPage<Album>
      api={api}
      kind="album"
      hint={(album) => `${album.imageCount} photos, ${album.status.toLowerCase()}`}
      placeholder="Create or choose an album to upload photos."
      detail={(albumId, onChanged) => (
        <AlbumDetail key={albumId} api={api} id={albumId} currency={currency} onAdd={onAdd} onChanged={onChanged} />
      )}
    />
  );
}

function AlbumDetail({ api, id: albumId, currency, onAdd, onChanged }: MediaItemDetailProps) {
  const view = useMediaItem<Album>(api, 'album', albumId, onChanged);
  const { photos, listedKeys, act, refresh } = view;

  async function makePdf(album: Album) {
    if (album.status === 'UPLOADING') await api.mutate<Album>('updateAlbum', { input: { albumId, status: 'READY' } });
    await api.mutate<Album>('updateAlbum', { input: { albumId, status: 'PROCESSING' } });
  }

  return (
    <MediaItemDetail
      kind="album"
      view={view}
      failedRender="The last PDF failed"
      summary={(album) => (
        <>
          Status <strong data-testid="album-status">{album.status}</strong>, <span data-testid="image-count">{album.imageCount}</span> photos.
        </>
      )}
    >
      {(album) => {
        const takesUploads = album.status === 'UPLOADING' || album.status === 'READY';
        return (
          <>
            {takesUploads && <Uploader api={api} target={{ kind: 'album', id: albumId }} listedKeys={listedKeys} onLanded={refresh} />}
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
              <button type="button" disabled={photos.length === 0} onClick={() => void act(() => makePdf(album))}>
                Make the album PDF
              </button>
            )}
            {album.status === 'COMPLETED' && (
              <AddToOrder source={{ kind: 'album', label: `album ${album.name}`, albumId }} currency={currency} onAdd={onAdd} />
            )}
          </>
        );
      }}
    </MediaItemDetail>
  );
}
