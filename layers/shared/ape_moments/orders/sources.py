"""What an order item prints or delivers (SPEC section 9): its source, the SKUs each kind of
source makes, the checks a source must pass, and where fulfilment copies its file.

Pure rules, no I/O: ``source_repository`` reads the sources (one batched read a whole order),
``fulfilment`` copies their files. A missing source and someone else's read the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ape_moments.errors import ValidationError
from ape_moments.models import Kind

FULFILMENT_PREFIX = "fulfillment/"
DIGITAL_DOWNLOAD = "DIGITAL_DOWNLOAD"
PHOTO_STRIP = "PHOTO_STRIP"
STRIP_TEMPLATE = "STRIP_1X4"
COMPLETED = "COMPLETED"


# What an item may name, in the order messages list them, and the order item's field naming each.
SOURCE_KINDS = (Kind.PHOTO, Kind.COLLAGE, Kind.ALBUM)
ITEM_FIELD = {Kind.PHOTO: "photoKey", Kind.COLLAGE: "collageId", Kind.ALBUM: "albumId"}

_P, _C, _A = SOURCE_KINDS
# SPEC 9: the kinds of source each SKU is made from.
ACCEPTED_SOURCES: dict[str, frozenset[Kind]] = {
    "PRINT_4X6": frozenset({_P, _C}),
    "PRINT_5X7": frozenset({_P, _C}),
    "PRINT_8X10": frozenset({_P, _C}),
    PHOTO_STRIP: frozenset({_C}),
    "COLLAGE_PRINT": frozenset({_C}),
    "PHOTO_ALBUM": frozenset({_A}),
    DIGITAL_DOWNLOAD: frozenset({_P, _C, _A}),
}


@dataclass(frozen=True, slots=True, order=True)
class SourceRef:
    """One item's source: a photo's key, a collage's id or an album's id."""

    kind: Kind
    value: str

    @property
    def field(self) -> str:
        """The order item's field naming it: ``photoKey``, ``collageId``, ``albumId``."""
        return ITEM_FIELD[self.kind]

    @property
    def label(self) -> str:
        return f"{self.field} {self.value}"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """What the checks and fulfilment need of a stored photo, collage or album."""

    customer_id: str
    status: str | None  # a collage's or album's; a photo record exists only once accepted
    template: str | None  # a collage's
    file_key: str | None  # the photo's original, the collage's output, the album's PDF
    size: int | None = None  # a photo's, as recorded


class SourceGone(Exception):  # noqa: N818 - a business outcome, read by processing
    """An item's source no longer passes its checks: the message names the item, for the owner."""


def _fail(index: int, ref: SourceRef, reason: str) -> ValidationError:
    return ValidationError(f"items[{index}].{ref.field}: {reason}")


def check_item_sources(items: Sequence[tuple[str, Sequence[SourceRef]]]) -> None:
    """Exactly one source an item, of a kind its SKU takes; each (sku, source) pair once."""
    seen: set[tuple[str, SourceRef]] = set()
    for index, (sku, sources) in enumerate(items):
        if len(sources) != 1:
            raise ValidationError(f"items[{index}]: give exactly one of photoKey, collageId, albumId")
        ref = sources[0]
        accepted = ACCEPTED_SOURCES[sku]
        if ref.kind not in accepted:
            takes = " or ".join(ITEM_FIELD[kind] for kind in SOURCE_KINDS if kind in accepted)
            raise _fail(index, ref, f"{sku} takes {takes}, not {ref.field}")
        if (sku, ref) in seen:
            raise _fail(index, ref, f"{sku} of this {ref.kind.value} is already in the order")
        seen.add((sku, ref))


def check_found(
    items: Sequence[tuple[str, SourceRef]], found: Mapping[SourceRef, SourceRecord], customer_id: str
) -> list[str]:
    """Every source exists, is the customer's and can be ordered; returns each item's file key.

    Missing and someone else's read the same ("no such ..."): existence is never leaked.
    """
    files: list[str] = []
    for index, (sku, ref) in enumerate(items):
        record = found.get(ref)
        if record is None or record.customer_id != customer_id:
            raise _fail(index, ref, f"no such {ref.kind.value}")
        if ref.kind is not Kind.PHOTO and (record.status != COMPLETED or record.file_key is None):
            raise _fail(index, ref, f"the {ref.kind.value} is {record.status}; only a COMPLETED one can be ordered")
        if sku == PHOTO_STRIP and record.template != STRIP_TEMPLATE:
            raise _fail(index, ref, f"a {PHOTO_STRIP} is printed from a {STRIP_TEMPLATE} collage")
        assert record.file_key is not None  # a photo's is its key; checked above for the others
        files.append(record.file_key)
    return files


def fulfilled_key(order_id: str, index: int, sku: str, ref: SourceRef) -> str:
    """The deterministic key of an item's copy: a redelivery finds it instead of copying again."""
    if ref.kind is Kind.PHOTO:
        name = ref.value.rsplit("/", 1)[-1]
    elif ref.kind is Kind.COLLAGE:
        name = f"collage-{ref.value}.jpg"
    else:
        name = f"album-{ref.value}.pdf"
    return f"{fulfilment_prefix(order_id)}{index + 1:02d}-{sku}-{name}"


def fulfilment_prefix(order_id: str) -> str:
    return f"{FULFILMENT_PREFIX}{order_id}/"


def manifest_key(order_id: str) -> str:
    return f"{fulfilment_prefix(order_id)}manifest.json"
