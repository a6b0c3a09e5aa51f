"""The state machines as data: invariants that hold for every (from, to, role), not just the examples."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from ape_moments.errors import Conflict, Forbidden
from ape_moments.media.albums import ALBUM_RULES, AlbumStatus
from ape_moments.media.collages import COLLAGE_RULES, CollageStatus
from ape_moments.models import Actor, StatusRules
from ape_moments.orders.models import ORDER_RULES, OrderStatus

RULES: list[tuple[StatusRules[Any], type[Any]]] = [
    (ALBUM_RULES, AlbumStatus),
    (COLLAGE_RULES, CollageStatus),
    (ORDER_RULES, OrderStatus),
]
MEDIA_RULES = RULES[:2]


@pytest.mark.parametrize(("rules", "statuses"), RULES)
def test_every_pair_is_allowed_forbidden_or_a_conflict_consistently(rules: StatusRules[Any], statuses: Any) -> None:
    for source, target, actor in product(statuses, statuses, Actor):
        allowed = source in rules.sources_for(actor, target)
        assert allowed == (actor in rules.transitions.get((source, target), frozenset()))
        if not allowed:
            error = rules.refusal(actor, source, target)
            expected = Forbidden if (source, target) in rules.transitions else Conflict
            assert type(error) is expected, (source, target, actor)


@pytest.mark.parametrize(("rules", "statuses"), RULES)
def test_admins_may_do_whatever_owners_may(rules: StatusRules[Any], statuses: Any) -> None:
    for target in statuses:
        assert rules.sources_for(Actor.OWNER, target) <= rules.sources_for(Actor.ADMIN, target)


@pytest.mark.parametrize(("rules", "statuses"), MEDIA_RULES)
def test_no_status_moves_to_itself_and_processing_is_never_deletable(rules: StatusRules[Any], statuses: Any) -> None:
    assert all(source != target for source, target in rules.transitions)
    assert statuses("PROCESSING") not in rules.deletable
    assert statuses("PROCESSING") not in rules.accepts_uploads


def test_only_admins_finish_processing() -> None:
    assert ALBUM_RULES.sources_for(Actor.OWNER, AlbumStatus.COMPLETED) == frozenset()
    assert COLLAGE_RULES.sources_for(Actor.OWNER, CollageStatus.COMPLETED) == frozenset()
    assert COLLAGE_RULES.sources_for(Actor.OWNER, CollageStatus.FAILED) == frozenset()
