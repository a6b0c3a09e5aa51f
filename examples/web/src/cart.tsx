// The order being put together: lines naming what they print (SPEC 9), priced from the catalog.
import { useId, useState } from 'react';
import { CATALOG, money, type Currency } from './catalog';

export type SourceKind = 'photo' | 'collage' | 'strip' | 'album';

export interface Source {
  kind: SourceKind;
  label: string;
  photoKey?: string;
  collageId?: string;
  albumId?: string;
}

export interface CartLine {
  sku: string;
  quantity: number;
  source: Source;
}

export function sourceFields(source: Source): Record<string, string> {
  if (source.photoKey) return { photoKey: source.photoKey };
  if (source.collageId) return { collageId: source.collageId };
  return { albumId: source.albumId ?? '' };
}

export function AddToOrder({ source, currency, onAdd }: { source: Source; currency: Currency; onAdd: (line: CartLine) => void }) {
  const products = CATALOG.filter((product) => product.sources.includes(source.kind));
  const [sku, setSku] = useState(products[0]?.sku ?? '');
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState('');
  const skuId = useId();
  const quantityId = useId();
  return (
    <form
      className="add-to-order"
      aria-label={`Order ${source.label}`}
      onSubmit={(event) => {
        event.preventDefault();
        onAdd({ sku, quantity, source });
        setAdded(`Added ${quantity} × ${sku} to the order`);
      }}
    >
      <label htmlFor={skuId}>Product</label>
      <select id={skuId} value={sku} onChange={(event) => setSku(event.target.value)}>
        {products.map((product) => (
          <option key={product.sku} value={product.sku}>
            {product.label} — {money(product.prices[currency], currency)}
          </option>
        ))}
      </select>
      <label htmlFor={quantityId}>Quantity</label>
      <input id={quantityId} type="number" min={1} max={100} value={quantity} onChange={(event) => setQuantity(Number(event.target.value))} />
      <button type="submit">Add to order</button>
      <span role="status" className="hint">
        {added}
      </span>
    </form>
  );
}
