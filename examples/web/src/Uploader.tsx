// Drag-and-drop (or choose) several photos; each shows its progress, then whether the booth's
// upload check accepted it (it appears in the listing) or refused it, and why.
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { describeError, type Api, type MediaTarget } from './api';
import { presign, put, declaredType } from './uploads';

// The upload check decides within 20 s of landing (SPEC 7); past this, the file was refused.
const ACCEPT_WITHIN_MS = 30000;

interface Entry {
  id: string;
  name: string;
  progress: number;
  state: 'uploading' | 'checking' | 'accepted' | 'refused';
  reason?: string;
  key?: string;
  landedAt?: number;
}

export function Uploader({
  api,
  target,
  listedKeys,
  onLanded,
}: {
  api: Api;
  target: MediaTarget;
  listedKeys: Set<string>;
  onLanded: () => void;
}) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();

  const update = (id: string, change: Partial<Entry>) =>
    setEntries((current) => current.map((entry) => (entry.id === id ? { ...entry, ...change } : entry)));

  // Accepted once listed; refused when the check did not list it in time.
  useEffect(() => {
    const checking = entries.filter((entry) => entry.state === 'checking');
    if (!checking.length) return undefined;
    for (const entry of checking) {
      if (entry.key && listedKeys.has(entry.key)) update(entry.id, { state: 'accepted' });
    }
    const timer = setInterval(() => {
      const now = Date.now();
      for (const entry of checking) {
        if (entry.landedAt && now - entry.landedAt > ACCEPT_WITHIN_MS && !(entry.key && listedKeys.has(entry.key))) {
          update(entry.id, {
            state: 'refused',
            reason: `the booth could not read it as a ${declaredTypeLabel(entry.name)} image (damaged, not an image, or too large to decode)`,
          });
        }
      }
      onLanded();
    }, 2000);
    return () => clearInterval(timer);
  }, [entries, listedKeys, onLanded]);

  async function upload(files: File[]) {
    const fresh = files.map((file) => ({ id: `${file.name}-${Math.random().toString(36).slice(2)}`, name: file.name, progress: 0, state: 'uploading' as const }));
    setEntries((current) => [...fresh, ...current]);
    await Promise.all(
      files.map(async (file, index) => {
        const id = fresh[index].id;
        try {
          const signed = await presign(api, target, file);
          await put(signed.presignedUrl, file, declaredType(file), (progress) => update(id, { progress }));
          update(id, { state: 'checking', progress: 1, key: signed.s3Key, landedAt: Date.now() });
          onLanded();
        } catch (error) {
          update(id, { state: 'refused', reason: describeError(error) });
        }
      }),
    );
  }

  function dropped(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    void upload(Array.from(event.dataTransfer.files));
  }

  return (
    <section className="uploader" aria-label="Upload photos">
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={dropped}
      >
        <p>Drop photos here (JPEG, PNG, WebP or HEIC, up to 25 MB each), or</p>
        <label htmlFor={inputId} className="button">
          Choose photos
        </label>
        <input
          id={inputId}
          ref={input}
          className="visually-hidden"
          type="file"
          multiple
          accept="image/jpeg,image/png,image/webp,image/heic,.heic"
          onChange={(event) => {
            void upload(Array.from(event.target.files ?? []));
            event.target.value = '';
          }}
        />
      </div>
      {entries.length > 0 && (
        <ul className="upload-list" aria-live="polite">
          {entries.map((entry) => (
            <li key={entry.id} data-upload-state={entry.state}>
              <span className="file-name">{entry.name}</span>{' '}
              {entry.state === 'uploading' && (
                <progress max={1} value={entry.progress} aria-label={`Uploading ${entry.name}`}>
                  {Math.round(entry.progress * 100)}%
                </progress>
              )}
              {entry.state === 'checking' && <span>Uploaded, being checked…</span>}
              {entry.state === 'accepted' && <span className="ok">Accepted</span>}
              {entry.state === 'refused' && (
                <span className="refused" role="alert">
                  Refused: {entry.reason}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function declaredTypeLabel(name: string): string {
  const extension = name.split('.').pop()?.toUpperCase() ?? '';
  return extension === 'JPG' ? 'JPEG' : extension;
}
