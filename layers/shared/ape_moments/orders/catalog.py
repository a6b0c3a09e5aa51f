"""The catalog and its prices (SPEC section 3). Prices live only here: clients send SKUs."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Currency = Literal["USD", "EUR", "GBP"]
CURRENCIES: tuple[Currency, ...] = ("USD", "EUR", "GBP")
CENT = Decimal("0.01")

_PRICES: dict[str, tuple[str, str, str]] = {
    #                   USD      EUR      GBP
    "PRINT_4X6":        ("0.50", "0.45", "0.40"),
    "PRINT_5X7":        ("1.50", "1.35", "1.20"),
    "PRINT_8X10":       ("4.00", "3.60", "3.20"),
    "PHOTO_STRIP":      ("3.00", "2.70", "2.40"),
    "COLLAGE_PRINT":    ("6.00", "5.40", "4.80"),
    "PHOTO_ALBUM":      ("25.00", "22.50", "20.00"),
    "DIGITAL_DOWNLOAD": ("2.00", "1.80", "1.60"),
}  # fmt: skip

CATALOG: dict[str, dict[Currency, Decimal]] = {
    sku: dict(zip(CURRENCIES, (Decimal(p) for p in prices), strict=True)) for sku, prices in _PRICES.items()
}


def unit_price(sku: str, currency: Currency) -> Decimal:
    return CATALOG[sku][currency]


def money(amount: Decimal) -> Decimal:
    """Two decimal places, half-up: the only rounding money ever gets."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
