"""What every function's worker has imported before it starts: the local stack's stand-in for a
warm Lambda runtime.

The stack forks its function workers from a server process (multiprocessing's "forkserver") that
has imported this module: the libraries every handler imports (boto3 and botocore, pydantic,
Powertools) are already in memory, so a worker starts in a fraction of a spawned interpreter's
time and shares those pages with every other worker of the stack (spawned, 25 workers held about
1.5 GB per stack and a full `make test` about 10 GB). Only third-party libraries: the layer and
the function's own code are imported by each worker, so an edit on disk still takes effect on the
next cold start, and no module-level state of ours (settings, clients, caches) is shared.

The environment Lambda sets for every function is set here first, for the libraries that read it
at import (Powertools reads AWS_EXECUTION_ENV for its user agent); each worker then replaces the
environment with its own function's before importing the handler.
"""

from __future__ import annotations

import os

LAMBDA_STATIC_ENVIRONMENT = {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.13", "LANG": "en_US.UTF-8", "TZ": ":UTC"}
os.environ.update(LAMBDA_STATIC_ENVIRONMENT)

# Imported for their side effect: they land in sys.modules of every forked worker. The list is
# what the handlers import between them (measured per function), plus what the first request of
# many imports lazily (stripe for payments, cryptography for CloudFront-signed media URLs).
import zoneinfo  # noqa: E402

import annotated_types  # noqa: E402
import boto3  # noqa: E402
import boto3.dynamodb.conditions  # noqa: E402
import boto3.dynamodb.types  # noqa: E402
import botocore.client  # noqa: E402
import botocore.session  # noqa: E402
import botocore.signers  # noqa: E402
import jinja2  # noqa: E402
import pydantic  # noqa: E402
import pydantic.networks  # noqa: E402
import pydantic.type_adapter  # noqa: E402
import stripe  # noqa: E402
from aws_lambda_powertools import Logger, Metrics  # noqa: E402
from aws_lambda_powertools.event_handler import AppSyncResolver  # noqa: E402
from aws_lambda_powertools.logging import correlation_paths  # noqa: E402
from aws_lambda_powertools.utilities import batch, idempotency, parser  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from devtools.local_stack import lambda_worker  # noqa: E402

PRELOADED = (
    zoneinfo,
    annotated_types,
    boto3,
    botocore.client,
    botocore.session,
    botocore.signers,
    jinja2,
    pydantic,
    stripe,
    Logger,
    Metrics,
    AppSyncResolver,
    correlation_paths,
    batch,
    idempotency,
    parser,
    LambdaContext,
    hashes,
    serialization,
    padding,
    lambda_worker,
)
