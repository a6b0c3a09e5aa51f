"""The stats family's composition root: the reaction on the change spine, and adminStats."""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.settings import StatsSettings
from ape_moments.stats.reaction import StatsReaction
from ape_moments.stats.repository import StatsRepository
from ape_moments.stats.service import StatsService


@functools.cache
def stats_settings() -> StatsSettings:
    return StatsSettings.from_environment()


def _repository() -> StatsRepository:
    return StatsRepository(stats_settings().stats_table_name, aws.client("dynamodb"))


@functools.cache
def stats_reaction() -> StatsReaction:
    """The change consumer registers this (STATS_TABLE_NAME in its environment)."""
    return StatsReaction(_repository())


@functools.cache
def stats_service() -> StatsService:
    return StatsService(_repository())
