"""Render dispatcher: submissions read from the Albums and Collages streams become render requests.

The event source's filter passes only items that moved into PROCESSING (template.yaml). A batch
that could not be queued fails as a whole and the stream retries it (bounded, then bisected and
sent to the dispatch failure queue); the renderer finds an item already rendered and skips it.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import logger
from ape_moments.media.render_wiring import dispatch_settings, dispatcher

dispatch_settings()  # cold start: a missing or malformed variable fails the init, naming it


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    dispatcher().dispatch(event.get("Records", []))
