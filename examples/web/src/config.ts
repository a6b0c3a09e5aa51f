// The app configures Amplify from the stack's amplify_outputs.json alone (served next to the app),
// plus the local stack's endpoints from its `custom.local` block when present (README, "Frontend
// (Amplify)"): Amplify has no field for custom Cognito endpoints in the outputs file.
import { Amplify } from 'aws-amplify';

export interface LocalEndpoints {
  userPoolEndpoint?: string;
  identityPoolEndpoint?: string;
  graphqlUrl?: string;
  // Payments (SPEC 12), named by the local stack when its stripe provider runs.
  stripePublishableKey?: string;
  stripeJsUrl?: string;
  stripePaymentMethodsUrl?: string;
}

export interface Outputs {
  version: string;
  data: { url: string; model_introspection: { queries: Record<string, unknown>; mutations: Record<string, unknown>; subscriptions: Record<string, unknown> } };
  custom?: { local?: LocalEndpoints; stripe?: { publishableKey?: string; jsUrl?: string } };
  [key: string]: unknown;
}

export async function loadOutputs(path = '/amplify_outputs.json'): Promise<Outputs> {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: ${response.status} (is the stack running? make run)`);
  return (await response.json()) as Outputs;
}

export function configure(outputs: Outputs): void {
  Amplify.configure(outputs as Parameters<typeof Amplify.configure>[0]);
  const local = outputs.custom?.local;
  if (local?.userPoolEndpoint || local?.identityPoolEndpoint) {
    const config = Amplify.getConfig();
    const cognito = config.Auth?.Cognito;
    if (cognito) {
      const withEndpoints = { ...cognito, userPoolEndpoint: local.userPoolEndpoint, identityPoolEndpoint: local.identityPoolEndpoint };
      Amplify.configure({ ...config, Auth: { Cognito: withEndpoints as typeof cognito } } as Parameters<typeof Amplify.configure>[0]);
    }
  }
}

/** Whether the stack's schema has an operation (the generated introspection lists it). */
export function hasOperation(outputs: Outputs, kind: 'queries' | 'mutations' | 'subscriptions', name: string): boolean {
  return Boolean(outputs.data.model_introspection[kind]?.[name]);
}
