// One door to the API: AWS's generated client (`client.queries.*`, `client.mutations.*`,
// `client.subscriptions.*`, built from the introspection in amplify_outputs.json), with the auth
// mode of who is using the app: identity-pool credentials (SigV4) for a guest, the user pool for a
// signed-in customer or admin. Operations another part of the backend may not have shipped yet
// (payments, email preferences, figures) are feature-detected from the introspection.
import { generateClient } from 'aws-amplify/data';
import { hasOperation, type Outputs } from './config';

export type AuthMode = 'iam' | 'userPool';

export interface GraphQLErrorLike {
  message: string;
  errorType?: string;
}

export class ApiError extends Error {
  readonly errorType: string;
  constructor(operation: string, errors: GraphQLErrorLike[]) {
    const first = errors[0] ?? { message: 'unknown error' };
    super(first.message || `${operation} failed`);
    this.errorType = first.errorType ?? 'Error';
  }
}

type Result<T> = { data?: T | null; errors?: GraphQLErrorLike[] };
type Operation = (args?: Record<string, unknown>, options?: { authMode: AuthMode }) => Promise<Result<unknown>>;
type Subscription = (
  args: Record<string, unknown>,
  options: { authMode: AuthMode },
) => { subscribe: (observer: { next: (value: unknown) => void; error: (error: unknown) => void }) => { unsubscribe: () => void } };

interface GeneratedClient {
  queries: Record<string, Operation>;
  mutations: Record<string, Operation>;
  subscriptions: Record<string, Subscription>;
}

export class Api {
  private readonly client: GeneratedClient;
  constructor(
    private readonly outputs: Outputs,
    public authMode: AuthMode,
  ) {
    this.client = generateClient() as unknown as GeneratedClient;
  }

  has(kind: 'queries' | 'mutations' | 'subscriptions', name: string): boolean {
    return hasOperation(this.outputs, kind, name);
  }

  private async run<T>(kind: 'queries' | 'mutations', name: string, args?: Record<string, unknown>): Promise<T> {
    const operation = this.client[kind][name];
    if (!operation) throw new ApiError(name, [{ message: `${name} is not available on this stack`, errorType: 'NotAvailable' }]);
    let result: Result<unknown>;
    try {
      result = await operation(args ?? {}, { authMode: this.authMode });
    } catch (thrown) {
      // Amplify throws (rather than returns) some failures, with the same `errors` shape.
      const errors = (thrown as { errors?: GraphQLErrorLike[] }).errors;
      throw new ApiError(name, errors?.length ? errors : [{ message: String(thrown) }]);
    }
    if (result.errors?.length) throw new ApiError(name, result.errors);
    return result.data as T;
  }

  query<T>(name: string, args?: Record<string, unknown>): Promise<T> {
    return this.run<T>('queries', name, args);
  }

  mutate<T>(name: string, args?: Record<string, unknown>): Promise<T> {
    return this.run<T>('mutations', name, args);
  }

  /** Subscribe; returns a stop function. `onError` learns when the live channel is unavailable. */
  subscribe<T>(name: string, args: Record<string, unknown>, onData: (value: T) => void, onError: (error: unknown) => void): () => void {
    const subscription = this.client.subscriptions[name];
    if (!subscription) {
      onError(new Error(`${name} is not available`));
      return () => undefined;
    }
    const handle = subscription(args, { authMode: this.authMode }).subscribe({
      next: (value) => onData(value as T),
      error: onError,
    });
    return () => handle.unsubscribe();
  }
}

// ---- the shapes the app reads (SPEC 3 to 14) ----------------------------------------------------

export interface Photo {
  key: string;
  fileName: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
  url: string;
  thumbnailUrl: string;
  uploadedAt: string;
}

// Albums and collages: one parameterised kind of media item (the backend's media/items.py). The
// operations follow the kind's type name: getAlbum / getCollage, listAlbumPhotos, onAlbumUpdated...
export type MediaKind = 'album' | 'collage';
export const MEDIA_TYPE: Record<MediaKind, string> = { album: 'Album', collage: 'Collage' };
export interface MediaTarget {
  kind: MediaKind;
  id: string;
}
// The arguments naming one item: { albumId } or { collageId }.
export const idArgument = ({ kind, id }: MediaTarget): Record<string, string> => ({ [`${kind}Id`]: id });

export interface Album {
  albumId: string;
  customerId: string;
  name: string;
  description?: string | null;
  imageCount: number;
  status: 'UPLOADING' | 'READY' | 'PROCESSING' | 'COMPLETED';
  pdfUrl?: string | null;
  errorMessage?: string | null;
  createdAt: string;
}

export type CollageTemplate = 'GRID_2X2' | 'GRID_3X3' | 'STRIP_1X4' | 'SINGLE';
export const TEMPLATE_CELLS: Record<CollageTemplate, number> = { GRID_2X2: 4, GRID_3X3: 9, STRIP_1X4: 4, SINGLE: 1 };

export interface Collage {
  collageId: string;
  customerId: string;
  name: string;
  template: CollageTemplate;
  sourceImages?: string | null;
  outputImageUrl?: string | null;
  status: 'DRAFT' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  errorMessage?: string | null;
  createdAt: string;
}

export interface Payment {
  provider: string;
  status: string;
  amount: number;
  currency: string;
  amountRefunded: number;
}

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
  photoKey?: string | null;
  collageId?: string | null;
  albumId?: string | null;
  downloadUrl?: string | null;
}

export type OrderStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
export const ORDER_STATUSES: OrderStatus[] = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'];

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  totalPrice: number;
  currency: string;
  items: OrderItem[];
  errorMessage?: string | null;
  createdAt: string;
  updatedAt: string;
  payment?: Payment | null;
}

export interface Connection<T> {
  items: T[];
  nextToken?: string | null;
}

export interface Checkout {
  orderId: string;
  provider: string;
  status: 'REQUIRES_PAYMENT' | 'REQUIRES_ACTION' | 'AUTHORIZED' | 'CAPTURED' | 'CANCELED' | 'REFUNDED';
  amount: number;
  currency: string;
  clientSecret?: string | null;
  publishableKey?: string | null;
  declineReason?: string | null;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.errorType === 'Error' ? error.message : `${error.message} (${error.errorType})`;
  return error instanceof Error ? error.message : String(error);
}
