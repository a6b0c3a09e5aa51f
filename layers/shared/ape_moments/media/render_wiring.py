"""The rendering family's composition root: the renderer, the dead letters.

Only the renderer function (which has the imaging layer) calls ``renderer``; the module
``rendering`` is imported there, so the dead-letter function never loads Pillow. Dispatch (a
submission becomes a render request) is a reaction to the tables' changes:
``ape_moments.reactions.render``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ape_moments.media.render_service import RenderDeadLetters, RenderOutcomes
from ape_moments.media.wiring import items_repositories, photos_repository, storage
from ape_moments.settings import RenderSettings

if TYPE_CHECKING:
    from ape_moments.media.rendering import Renderer


@functools.cache
def render_settings() -> RenderSettings:
    return RenderSettings.from_environment()


def outcomes(config: RenderSettings) -> RenderOutcomes:
    return RenderOutcomes(items_repositories(config))


@functools.cache
def dead_letters() -> RenderDeadLetters:
    return RenderDeadLetters(outcomes(render_settings()))


@functools.cache
def renderer() -> Renderer:
    from ape_moments.media.rendering import Renderer

    config = render_settings()
    return Renderer(outcomes(config), photos_repository(config), storage(config))
