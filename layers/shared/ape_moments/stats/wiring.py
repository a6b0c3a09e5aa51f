"""The stats family's composition root: the reaction on the change spine, and adminStats."""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.settings import StatsSettings
from ape_moments.stats.reaction import StatsReaction
from ape_moments.stats.repository import StatsRepository
from ape_moments.stats.service import StatsService


def stats_counting(config: StatsSettings) -> StatsReaction:
    """The change consumer's stats reaction: a factory for ``reactions/wiring.py``'s REACTIONS
    (its settings, ChangeStreamSettings, carry STATS_TABLE_NAME by deriving from StatsSettings)."""
    return StatsReaction(StatsRepository(config.stats_table_name, aws.client("dynamodb")))


@functools.cache
def stats_settings() -> StatsSettings:
    return StatsSettings.from_environment()


@functools.cache
def stats_service() -> StatsService:
    """adminStats."""
    return StatsService(StatsRepository(stats_settings().stats_table_name, aws.client("dynamodb")))
