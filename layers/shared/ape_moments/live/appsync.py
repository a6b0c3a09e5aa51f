"""The publish call: the publish mutation, signed with SigV4 (service ``appsync``) by the function's role.

The role may call exactly the publish fields (``appsync:GraphQL`` on them); no identity-pool role
lists them and the fields are ``@aws_iam`` only, so no customer, guest or admin can publish.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from ape_moments.live.publications import Publication

PUBLISH_TIMEOUT_SECONDS = 5


class PublishError(RuntimeError):
    """AppSync refused or failed the publish mutation: the record is retried (and at last set aside)."""


class AppSyncPublisher:
    def __init__(self, graphql_url: str, region: str, credentials: Any) -> None:
        self._url = graphql_url
        self._region = region
        self._credentials = credentials  # botocore credentials (the function's role)

    def publish(self, publication: Publication) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        body = json.dumps({"query": publication.document, "variables": publication.variables}).encode()
        request = AWSRequest(method="POST", url=self._url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(self._credentials.get_frozen_credentials(), "appsync", self._region).add_auth(request)
        prepared = request.prepare()
        http_request = urllib.request.Request(  # noqa: S310 - the API's own https (locally http) URL
            prepared.url, data=body, headers=dict(prepared.headers.items()), method="POST"
        )
        try:
            with urllib.request.urlopen(http_request, timeout=PUBLISH_TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read())
        except Exception as error:
            raise PublishError(f"{publication.kind.mutation}: {type(error).__name__}") from error
        if answer.get("errors"):
            types = sorted({str(error.get("errorType")) for error in answer["errors"]})
            raise PublishError(f"{publication.kind.mutation}: refused ({', '.join(types)})")
