"""Hostile ranges for adminStats (SPEC 14) as an admin, over HTTP: the one caller who passes the
role check, so the dates themselves are attacked (the matrix and test_hostile_input.py cover
every other caller, who is Forbidden before the dates are read).

Every answer is either the range, every day listed in order, or a ValidationError naming ``from``
or ``to``: never a 5xx, an InternalError, or a range of more than 366 days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Caller, Stack, user
from tests.security.figures import FIGURES
from tests.security.http_api import call
from tests.security.operations import by_name
from tests.security.test_hostile_input import aws_dates

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 40
FIRST = date(2026, 1, 1)


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Caller:
    return user(stack, admin=True)


def _check(admin: Caller, stack: Stack, variables: dict[str, Any]) -> list[str | None]:
    answer = call(stack, admin, by_name("adminStats"), variables)
    FIGURES.add("hostile.cases")
    assert answer.status < 500, answer.text[:500]
    types = answer.error_types
    if answer.status == 400:  # refused by the AWSDate scalar before any resolver runs
        assert "AWSDate" in answer.text, answer.text[:500]
        FIGURES.add("hostile.refused")
        return types
    assert not {"InternalError", "Lambda:Unhandled", None} & set(types), answer.text[:1000]
    stats = answer.data("adminStats")
    if stats is not None:
        first, last = date.fromisoformat(stats["from"]), date.fromisoformat(stats["to"])
        days = [day["date"] for day in stats["days"]]
        assert days == [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
        assert 1 <= len(days) <= 366
        assert stats["totals"]["date"] is None
        FIGURES.add("hostile.accepted")
    else:
        assert types == ["ValidationError"], answer.text[:500]
        message = answer.body["errors"][0]["message"]
        assert message.startswith(("from:", "to:")), message
        FIGURES.add("hostile.refused")
    return types


@pytest.mark.parametrize(
    ("first", "last", "named"),
    [
        ("2026-13-01", "2026-12-31", "from"),  # malformed
        ("2026-02-30", "2026-03-01", "from"),  # no such day
        ("2026-03-02", "2026-03-01", "to"),  # reversed
        ("2026-01-01", "2027-01-02", "to"),  # 367 days, both ends counted
    ],
)
def test_refused_ranges_name_their_argument(first: str, last: str, named: str, stack: Stack, admin: Caller) -> None:
    answer = call(stack, admin, by_name("adminStats"), {"from": first, "to": last})
    if answer.status == 400:  # the AWSDate scalar refused it, naming the variable, before the resolver
        assert f"'${named}'" in answer.text, answer.text
        return
    assert answer.error_types == ["ValidationError"], answer.text
    assert answer.body["errors"][0]["message"].startswith(f"{named}:"), answer.text


def test_366_days_both_ends_counted_is_accepted(stack: Stack, admin: Caller) -> None:
    answer = call(stack, admin, by_name("adminStats"), {"from": "2026-01-01", "to": "2027-01-01"})
    assert answer.error_types == [], answer.text
    assert len(answer.data("adminStats")["days"]) == 366


def test_hostile_ranges(stack: Stack, admin: Caller) -> None:
    FIGURES.add("hostile.operations")
    near = st.integers(-400, 400).map(lambda n: (FIRST + timedelta(days=n)).isoformat())

    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(first=st.one_of(near, aws_dates), last=st.one_of(near, aws_dates))
    def attack(first: Any, last: Any) -> None:
        _check(admin, stack, {"from": first, "to": last})

    attack()
