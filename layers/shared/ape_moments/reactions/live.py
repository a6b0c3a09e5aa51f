"""Live publishing as a reaction (SPEC section 10): a change of an order, album or collage that a
client can see is published to its subscribers (the backend-only publish mutation, SigV4).

Order per object holds: the consumer stops a batch at the first record a reaction failed on and
Lambda retries from it, so a later change of the object is never published before an earlier
one. A redelivered change publishes the same object again (harmless: subscribers receive the
object as it is; nothing accumulates).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ape_moments import metrics
from ape_moments.changes import Change
from ape_moments.live.publications import Followed, Publication, publication_of_models
from ape_moments.media.albums import Album
from ape_moments.media.collages import Collage
from ape_moments.models import Kind
from ape_moments.orders.models import Order

# An order's payment is null until checkoutOrder (SPEC 12): its fields are still selected.
PAYMENT_FIELDS = ("provider", "status", "amount", "currency", "amountRefunded", "updatedAt")
ORDER = Followed(Kind.ORDER, Order, frozenset(), {"payment": PAYMENT_FIELDS})
ALBUM = Followed(Kind.ALBUM, Album, frozenset({"pdfUrl"}))
COLLAGE = Followed(Kind.COLLAGE, Collage, frozenset({"outputImageUrl"}))

# The change stream's kind (reactions.wiring) -> what it publishes.
LIVE_KINDS: Mapping[str, Followed] = {followed.kind: followed for followed in (ORDER, ALBUM, COLLAGE)}
# The subscription fields (src/live_resolvers) -> the kind each one follows: on{Type}Updated.
SUBSCRIPTIONS: Mapping[str, Followed] = {
    f"on{followed.type_name}Updated": followed for followed in (ORDER, ALBUM, COLLAGE)
}


class Sender(Protocol):
    def publish(self, publication: Publication) -> None: ...


class LivePublishing:
    """Publishes what a client of the changed object would now see; nothing when that is unchanged."""

    name = "live"

    def __init__(self, sender: Sender, kinds: Mapping[str, Followed] = LIVE_KINDS) -> None:
        self._sender = sender
        self._kinds = kinds

    def publication(self, change: Change[Any]) -> Publication | None:
        kind = self._kinds.get(change.kind)
        if kind is None:
            return None
        return publication_of_models(kind, change.event, change.old, change.new)

    def wants(self, change: Change[Any]) -> bool:
        # Pure: decides from the decoded models whether a client sees a difference, so the
        # reaction's count is the number of publish mutations sent.
        return self.publication(change) is not None

    def react(self, change: Change[Any]) -> None:
        found = self.publication(change)
        if found is not None:
            self._sender.publish(found)
            metrics.subscription_published(str(found.payload[found.kind.key]))
