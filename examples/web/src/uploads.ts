// Uploads as SPEC 5 has them: ask the API for a presigned PUT, then PUT the file with the
// Content-Type that was declared. XMLHttpRequest (not fetch) because it reports upload progress.
import { idArgument, MEDIA_TYPE, type Api, type MediaTarget } from './api';

export const ACCEPTED_TYPES: Record<string, string[]> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'image/heic': ['heic'],
};

export interface PresignedUpload {
  presignedUrl: string;
  s3Key: string;
  expiresIn: number;
}

/** The content type a file declares: the browser's, or one read from its extension (HEIC often has none). */
export function declaredType(file: File): string {
  if (file.type) return file.type;
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  return Object.entries(ACCEPTED_TYPES).find(([, extensions]) => extensions.includes(extension))?.[0] ?? 'application/octet-stream';
}

export function put(url: string, file: File, contentType: string, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    request.setRequestHeader('Content-Type', contentType);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => (request.status < 300 ? resolve() : reject(new Error(`the upload was refused (HTTP ${request.status})`)));
    request.onerror = () => reject(new Error('the upload could not reach the bucket'));
    request.send(file);
  });
}

export async function presign(api: Api, target: MediaTarget, file: File): Promise<PresignedUpload> {
  const args = { ...idArgument(target), fileName: file.name, contentType: declaredType(file), fileSize: file.size };
  return api.mutate<PresignedUpload>(`presign${MEDIA_TYPE[target.kind]}Upload`, args);
}
