// The catalog as SPEC 3 lists it: what the app shows before ordering. The server prices every
// order itself (the client sends SKUs and quantities only); the order it returns is the truth.
export type Currency = 'USD' | 'EUR' | 'GBP';
export const CURRENCIES: Currency[] = ['USD', 'EUR', 'GBP'];

export interface Product {
  sku: string;
  label: string;
  prices: Record<Currency, string>;
  sources: Array<'photo' | 'collage' | 'strip' | 'album'>;
}

export const CATALOG: Product[] = [
  { sku: 'PRINT_4X6', label: '4×6 print', prices: { USD: '0.50', EUR: '0.45', GBP: '0.40' }, sources: ['photo', 'collage', 'strip'] },
  { sku: 'PRINT_5X7', label: '5×7 print', prices: { USD: '1.50', EUR: '1.35', GBP: '1.20' }, sources: ['photo', 'collage', 'strip'] },
  { sku: 'PRINT_8X10', label: '8×10 print', prices: { USD: '4.00', EUR: '3.60', GBP: '3.20' }, sources: ['photo', 'collage', 'strip'] },
  { sku: 'PHOTO_STRIP', label: 'Photo strip', prices: { USD: '3.00', EUR: '2.70', GBP: '2.40' }, sources: ['strip'] },
  { sku: 'COLLAGE_PRINT', label: 'Collage print', prices: { USD: '6.00', EUR: '5.40', GBP: '4.80' }, sources: ['collage', 'strip'] },
  { sku: 'PHOTO_ALBUM', label: 'Printed album', prices: { USD: '25.00', EUR: '22.50', GBP: '20.00' }, sources: ['album'] },
  { sku: 'DIGITAL_DOWNLOAD', label: 'Digital download', prices: { USD: '2.00', EUR: '1.80', GBP: '1.60' }, sources: ['photo', 'collage', 'strip', 'album'] },
];

export function money(amount: number | string, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(Number(amount));
}
