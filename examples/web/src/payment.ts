// Card payments (SPEC 12). The card becomes a PaymentMethod in the browser: through Stripe.js on
// AWS, or, on the local stack (whose emulated Stripe.js cannot make one), through the stack's
// `POST /local/stripe/payment-methods`. The backend confirms it with checkoutOrder.
import type { LocalEndpoints } from './config';

export interface Card {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

interface StripeLike {
  handleCardAction: (clientSecret: string) => Promise<{ error?: { message?: string } }>;
}
declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeLike;
  }
}

export async function paymentMethodFor(card: Card, local: LocalEndpoints | undefined): Promise<string> {
  if (!local?.stripePaymentMethodsUrl) throw new Error('card entry needs the stack to name how cards become payment methods');
  const response = await fetch(local.stripePaymentMethodsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ number: card.number.replace(/\s+/g, ''), exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvc }),
  });
  const body = (await response.json()) as { id?: string; error?: { message?: string } };
  if (!response.ok || !body.id) throw new Error(body.error?.message ?? `the card was refused (HTTP ${response.status})`);
  return body.id;
}

let stripeScript: Promise<void> | null = null;
function loadStripeJs(url: string): Promise<void> {
  stripeScript ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('Stripe.js could not be loaded'));
    document.head.appendChild(script);
  });
  return stripeScript;
}

/** 3-D Secure: Stripe.js completes the card's challenge for the PaymentIntent's client secret. */
export async function completeCardAction(clientSecret: string, publishableKey: string, jsUrl: string): Promise<void> {
  await loadStripeJs(jsUrl);
  if (!window.Stripe) throw new Error('Stripe.js is not available');
  const { error } = await window.Stripe(publishableKey).handleCardAction(clientSecret);
  if (error) throw new Error(error.message ?? 'the card check failed');
}
