"""template.yaml against SPEC section 6 and the schema: resolvers, least privilege, data stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import ObjectTypeDefinitionNode, parse

from devtools import template
from devtools.local_stack.app_server import APP_ORIGINS

RESOURCES = template.load()["Resources"]
BUCKET_ARN = "arn:${AWS::Partition}:s3:::apemoments-${Stage}-media-${AWS::AccountId}-${AWS::Region}"
# Originals and thumbnails: the prefixes the photo functions read and delete, and nothing else.
PHOTO_PREFIXES = ("albums/*", "collages/*", "thumbnails/albums/*", "thumbnails/collages/*")
PHOTO_FILES = tuple(sorted(f"{BUCKET_ARN}/{prefix}" for prefix in PHOTO_PREFIXES))
PHOTO_PREFIXES_CONDITION = (
    '{"StringLike": {"s3:prefix": ["albums/*", "collages/*", "thumbnails/albums/*", "thumbnails/collages/*"]}}'
)
# SPEC 16: read URLs are CloudFront-signed with this secret's key; no URL carries a function's S3 read.
MEDIA_SIGNING_KEY = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
    + ":secret:ape-moments-${Stage}-media-signing-key-${MediaSigningKeyVersion}-??????"
)
SIGNS_MEDIA_URLS = (("secretsmanager:GetSecretValue",), (MEDIA_SIGNING_KEY,), None)
API = "arn:${AWS::Partition}:appsync:${AWS::Region}:${AWS::AccountId}:apis/${GraphQLApi.ApiId}"
# What an SQS event source mapping needs from its function's role, on that function's own queue.
SQS_CONSUMER_ACTIONS = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
)

# The least-privilege table: for each function, exactly the statements it may have, as
# (actions, resources, condition). Kept here, by hand, so that any widening shows up in review.
LEAST_PRIVILEGE: dict[str, set[tuple[tuple[str, ...], tuple[str, ...], str | None]]] = {
    "CreateOrderFunction": {
        (("dynamodb:PutItem",), ("OrdersTable.Arn",), None),
        (("dynamodb:BatchGetItem",), ("AlbumsTable.Arn", "CollagesTable.Arn", "PhotosTable.Arn"), None),
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("IdempotencyTable.Arn",),
            None,
        ),
    },
    "GetOrderFunction": {
        (("dynamodb:GetItem",), ("OrdersTable.Arn",), None),
        SIGNS_MEDIA_URLS,  # downloadUrl, signed for CloudFront when read
    },
    "ListOrdersFunction": {
        SIGNS_MEDIA_URLS,
        (
            ("dynamodb:Query",),
            ("${OrdersTable.Arn}/index/customerId-createdAt-index", "${OrdersTable.Arn}/index/status-createdAt-index"),
            None,
        ),
    },
    "UpdateOrderStatusFunction": {(("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None)},
    "ProcessOrderFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None),  # stripe: authorized first?
        (("sqs:SendMessage",), ("OrderQueue.Arn",), None),
    },
    # SPEC 12: only the payment functions read the Stripe secret key; only the webhook its signing secret.
    "CheckoutOrderFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None),
        (("dynamodb:BatchGetItem",), ("AlbumsTable.Arn", "CollagesTable.Arn", "PhotosTable.Arn"), None),
        (("sqs:SendMessage",), ("OrderQueue.Arn",), None),
        (("secretsmanager:GetSecretValue",), ("Ref:StripeSecretKey",), None),
    },
    "RefundOrderFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None),
        (("secretsmanager:GetSecretValue",), ("Ref:StripeSecretKey",), None),
    },
    "PaymentWebhookFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None),
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("IdempotencyTable.Arn",),
            None,
        ),
        (("sqs:SendMessage",), ("OrderQueue.Arn",), None),
        (("secretsmanager:GetSecretValue",), ("Ref:StripeSecretKey", "Ref:StripeWebhookSigningSecret"), None),
    },
    "OrderWorkerFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None),
        (("secretsmanager:GetSecretValue",), ("Ref:StripeSecretKey",), None),  # capture, cancel, refund
        # The sources, checked again; their files copied (server-side) into the order's folder.
        (("dynamodb:BatchGetItem",), ("AlbumsTable.Arn", "CollagesTable.Arn", "PhotosTable.Arn"), None),
        (
            ("s3:GetObject",),
            tuple(
                sorted(
                    f"{BUCKET_ARN}/{p}" for p in ("albums/*", "collages/*", "renders/albums/*", "renders/collages/*")
                )
            ),
            None,
        ),
        (("s3:PutObject",), (f"{BUCKET_ARN}/fulfillment/*",), None),
        (("s3:ListBucket",), (BUCKET_ARN,), '{"StringLike": {"s3:prefix": "fulfillment/*"}}'),
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("IdempotencyTable.Arn",),
            None,
        ),
        (SQS_CONSUMER_ACTIONS, ("OrderQueue.Arn",), None),
    },
    "SweeperFunction": {
        (("dynamodb:Query",), ("${OrdersTable.Arn}/index/status-createdAt-index",), None),
        (("dynamodb:UpdateItem",), ("OrdersTable.Arn",), None),
        (("sqs:SendMessage",), ("OrderQueue.Arn",), None),
        # SPEC 12's reconciliation: read the provider's state, cancel or refund once.
        (("secretsmanager:GetSecretValue",), ("Ref:StripeSecretKey",), None),
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("IdempotencyTable.Arn",),
            None,
        ),
    },
    "OrderDeadLetterFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("OrdersTable.Arn",), None),
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("IdempotencyTable.Arn",),
            None,
        ),
        (("secretsmanager:GetSecretValue",), ("Ref:StripeSecretKey",), None),  # cancel or refund before FAILED
        (SQS_CONSUMER_ACTIONS, ("OrderDeadLetterQueue.Arn",), None),
    },
    "AlbumsFunction": {
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("AlbumsTable.Arn",),
            None,
        ),
        (("dynamodb:Query",), ("${AlbumsTable.Arn}/index/customerId-createdAt-index",), None),
        (
            ("s3:ListBucketVersions",),
            (BUCKET_ARN,),
            '{"StringLike": {"s3:prefix": ["albums/*", "thumbnails/albums/*", "renders/albums/*"]}}',
        ),
        (
            ("s3:DeleteObject", "s3:DeleteObjectVersion"),
            (f"{BUCKET_ARN}/albums/*", f"{BUCKET_ARN}/renders/albums/*", f"{BUCKET_ARN}/thumbnails/albums/*"),
            None,
        ),
        SIGNS_MEDIA_URLS,  # the rendered output's URL, signed for CloudFront when read
        (("dynamodb:Query",), ("${PhotosTable.Arn}/index/parent-uploadedAt-index",), None),
        (("dynamodb:BatchWriteItem",), ("PhotosTable.Arn",), None),
    },
    "CollagesFunction": {
        (
            ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("CollagesTable.Arn",),
            None,
        ),
        (("dynamodb:Query",), ("${CollagesTable.Arn}/index/customerId-createdAt-index",), None),
        (
            ("s3:ListBucketVersions",),
            (BUCKET_ARN,),
            '{"StringLike": {"s3:prefix": ["collages/*", "thumbnails/collages/*", "renders/collages/*"]}}',
        ),
        (
            ("s3:DeleteObject", "s3:DeleteObjectVersion"),
            (f"{BUCKET_ARN}/collages/*", f"{BUCKET_ARN}/renders/collages/*", f"{BUCKET_ARN}/thumbnails/collages/*"),
            None,
        ),
        SIGNS_MEDIA_URLS,  # the rendered output's URL, signed for CloudFront when read
        (("dynamodb:Query",), ("${PhotosTable.Arn}/index/parent-uploadedAt-index",), None),
        (("dynamodb:BatchWriteItem",), ("PhotosTable.Arn",), None),
    },
    "PresignAlbumUploadFunction": {
        (("dynamodb:GetItem",), ("AlbumsTable.Arn",), None),
        (("s3:PutObject",), (f"{BUCKET_ARN}/albums/*",), None),
    },
    "PresignCollageUploadFunction": {
        (("dynamodb:GetItem",), ("CollagesTable.Arn",), None),
        (("s3:PutObject",), (f"{BUCKET_ARN}/collages/*",), None),
    },
    "UploadEventsFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("AlbumsTable.Arn",), None),
        (("dynamodb:ConditionCheckItem", "dynamodb:GetItem"), ("CollagesTable.Arn",), None),
        (("dynamodb:GetItem", "dynamodb:PutItem"), ("PhotosTable.Arn",), None),
        (("s3:GetObject", "s3:GetObjectVersion"), (f"{BUCKET_ARN}/albums/*", f"{BUCKET_ARN}/collages/*"), None),
        (("s3:PutObject",), (f"{BUCKET_ARN}/thumbnails/albums/*", f"{BUCKET_ARN}/thumbnails/collages/*"), None),
        (("s3:ListBucketVersions",), (BUCKET_ARN,), PHOTO_PREFIXES_CONDITION),
        (("s3:DeleteObject", "s3:DeleteObjectVersion"), PHOTO_FILES, None),
    },
    "PhotosFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("AlbumsTable.Arn",), None),
        (("dynamodb:ConditionCheckItem", "dynamodb:GetItem"), ("CollagesTable.Arn",), None),
        (("dynamodb:DeleteItem", "dynamodb:GetItem"), ("PhotosTable.Arn",), None),
        (("dynamodb:Query",), ("${PhotosTable.Arn}/index/parent-uploadedAt-index",), None),
        SIGNS_MEDIA_URLS,  # url and thumbnailUrl, signed for CloudFront when read
        (("s3:ListBucketVersions",), (BUCKET_ARN,), PHOTO_PREFIXES_CONDITION),
        (("s3:DeleteObject", "s3:DeleteObjectVersion"), PHOTO_FILES, None),
    },
    # ---- rendering (SPEC 8): change stream -> queue -> renderer; dead letters
    "RendererFunction": {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("AlbumsTable.Arn", "CollagesTable.Arn"), None),
        (("dynamodb:Query",), ("${PhotosTable.Arn}/index/parent-uploadedAt-index",), None),
        (("s3:GetObject",), (f"{BUCKET_ARN}/albums/*", f"{BUCKET_ARN}/collages/*"), None),
        (
            ("s3:AbortMultipartUpload", "s3:PutObject"),
            (f"{BUCKET_ARN}/renders/albums/*", f"{BUCKET_ARN}/renders/collages/*"),
            None,
        ),
        (SQS_CONSUMER_ACTIONS, ("RenderQueue.Arn",), None),
    },
    "RenderDeadLetterFunction": {
        (("dynamodb:UpdateItem",), ("AlbumsTable.Arn", "CollagesTable.Arn"), None),
        (SQS_CONSUMER_ACTIONS, ("RenderDeadLetterQueue.Arn",), None),
    },
    # Live updates: one read of the object a subscriber names (publishing is the change stream's).
    "LiveResolversFunction": {
        (("dynamodb:GetItem",), ("AlbumsTable.Arn", "CollagesTable.Arn", "OrdersTable.Arn"), None),
    },
    # Notifications (docs/NOTIFICATIONS.md): the mailer sends only from EmailSender, through the
    # sender identity and the configuration set; its ledger writes only email#... keys.
    "MailerFunction": {
        (SQS_CONSUMER_ACTIONS, ("EmailQueue.Arn",), None),
        (("dynamodb:GetItem",), ("EmailPreferencesTable.Arn",), None),
        (
            ("dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            ("IdempotencyTable.Arn",),
            '{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["email#*"]}}',
        ),
        (("cognito-idp:ListUsers",), ("UserPool.Arn",), None),
        (("secretsmanager:GetSecretValue",), ("Ref:UnsubscribeSigningSecret",), None),
        (
            ("ses:SendEmail", "ses:SendRawEmail"),
            (
                "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${EmailConfigurationSet}",
                "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailSenderIdentity}",
            ),
            '{"StringEquals": {"ses:FromAddress": {"Ref": "EmailSender"}}}',
        ),
    },
    "UnsubscribeFunction": {
        (("dynamodb:PutItem",), ("EmailPreferencesTable.Arn",), None),
        (("secretsmanager:GetSecretValue",), ("Ref:UnsubscribeSigningSecret",), None),
    },
    "EmailPreferencesFunction": {
        (("dynamodb:GetItem", "dynamodb:PutItem"), ("EmailPreferencesTable.Arn",), None),
    },
    # The change stream: every table's stream, its failure queue; what its reactions hand changes
    # to: the backend-only publish fields of the API (live), the render queue (render dispatch), the
    # email queue (notifications).
    "ChangeStreamFunction": {
        (
            ("appsync:GraphQL",),
            tuple(
                sorted(
                    f"{API}/types/Mutation/fields/{name}"
                    for name in ("publishAlbumUpdated", "publishCollageUpdated", "publishOrderUpdated")
                )
            ),
            None,
        ),
        (("sqs:SendMessage",), ("RenderQueue.Arn",), None),
        (("sqs:SendMessage",), ("EmailQueue.Arn",), None),
        (
            ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
            ("AlbumsTable.StreamArn", "CollagesTable.StreamArn", "OrdersTable.StreamArn", "PhotosTable.StreamArn"),
            None,
        ),
        (
            ("dynamodb:ListStreams",),
            ("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*/stream/*",),
            None,
        ),
        (("sqs:SendMessage",), ("ChangeStreamFailureQueue.Arn",), None),
        # the owner's figures: a fact's ledger put and its day's ADD (TransactWriteItems)
        (("dynamodb:PutItem", "dynamodb:UpdateItem"), ("StatsTable.Arn",), None),
    },
    # The owner's figures (SPEC 14): one Query of the Stats table's days a call.
    "AdminStatsFunction": {(("dynamodb:Query",), ("StatsTable.Arn",), None)},
}
# The backend-only publish mutations (SPEC section 10): no identity-pool role may call them.
PUBLISH_FIELDS = {("Mutation", "publishOrderUpdated"), ("Mutation", "publishAlbumUpdated"),
                  ("Mutation", "publishCollageUpdated")}  # fmt: skip


def _resource_name(resource: Any) -> str:
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return ".".join(resource["Fn::GetAtt"])
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        return str(resource["Fn::Sub"])
    if isinstance(resource, dict) and "Ref" in resource:
        return f"Ref:{resource['Ref']}"
    return str(resource)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_statements(logical_id: str) -> set[tuple[tuple[str, ...], tuple[str, ...], str | None]]:
    statements = set()
    for policy in RESOURCES[logical_id]["Properties"].get("Policies", []):
        assert set(policy) == {"Statement"}, f"{logical_id}: only inline statements, no SAM policy templates"
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            condition = json.dumps(statement["Condition"], sort_keys=True) if "Condition" in statement else None
            statements.add(
                (
                    tuple(sorted(_as_list(statement["Action"]))),
                    tuple(sorted(_resource_name(r) for r in _as_list(statement["Resource"]))),
                    condition,
                )
            )
    return statements


def schema_fields() -> set[tuple[str, str]]:
    document = parse(template.SCHEMA.read_text())
    return {
        (node.name.value, field.name.value)
        for node in document.definitions
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value in {"Query", "Mutation", "Subscription"}
        for field in node.fields or ()
    }


def functions() -> dict[str, dict[str, Any]]:
    return template.resources("AWS::Serverless::Function")


# ---- AppSync: a direct Lambda resolver for every field, and only those -----------------------


def test_every_schema_field_has_a_resolver_and_every_resolver_a_field() -> None:
    resolvers = template.resources("AWS::AppSync::Resolver").values()
    resolved = [(r["Properties"]["TypeName"], r["Properties"]["FieldName"]) for r in resolvers]
    assert len(resolved) == len(set(resolved)), "one resolver per field"
    assert set(resolved) == schema_fields()


def test_resolvers_are_direct_lambda_resolvers() -> None:
    for name, resolver in template.resources("AWS::AppSync::Resolver").items():
        props = resolver["Properties"]
        assert set(props) == {"ApiId", "TypeName", "FieldName", "DataSourceName", "Kind"}, name
        assert props["Kind"] == "UNIT"
        assert resolver["DependsOn"] == "GraphQLSchema"
        source = RESOURCES[props["DataSourceName"]["Fn::GetAtt"][0]]
        assert source["Type"] == "AWS::AppSync::DataSource"
        assert source["Properties"]["Type"] == "AWS_LAMBDA"
        function_id, attribute = source["Properties"]["LambdaConfig"]["LambdaFunctionArn"]["Fn::GetAtt"]
        assert RESOURCES[function_id]["Type"] == "AWS::Serverless::Function"
        assert attribute == "Alias.AliasArn"  # the live alias: published versions, SnapStart, canaries


def test_appsync_may_invoke_exactly_the_resolver_functions() -> None:
    sources = template.resources("AWS::AppSync::DataSource").values()
    wired = {tuple(s["Properties"]["LambdaConfig"]["LambdaFunctionArn"]["Fn::GetAtt"]) for s in sources}
    statement = RESOURCES["AppSyncInvokeRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statement] == ["lambda:InvokeFunction"]
    assert {tuple(r["Fn::GetAtt"]) for r in statement[0]["Resource"]} == wired


def test_api_auth_modes_are_cognito_default_and_iam_additional() -> None:
    api = RESOURCES["GraphQLApi"]["Properties"]
    assert api["AuthenticationType"] == "AMAZON_COGNITO_USER_POOLS"
    assert api["AdditionalAuthenticationProviders"] == [{"AuthenticationType": "AWS_IAM"}]
    assert "API_KEY" not in json.dumps(api)
    assert RESOURCES["GraphQLSchema"]["Properties"]["DefinitionS3Location"] == "graphql/schema.graphql"


def _depth(document: Any, type_name: str) -> int:
    """The deepest field path a query can select from one type (the schema has no cycles)."""
    types = {d.name.value: d for d in document.definitions if isinstance(d, ObjectTypeDefinitionNode)}
    node = types.get(type_name)
    if node is None:
        return 0
    deepest = 0
    for field in node.fields or ():
        inner = field.type
        while hasattr(inner, "type"):
            inner = inner.type
        deepest = max(deepest, 1 + _depth(document, inner.name.value))
    return deepest


def test_api_limits_fit_the_schemas_real_queries() -> None:
    api = RESOURCES["GraphQLApi"]["Properties"]
    document = parse(template.SCHEMA.read_text())
    deepest = max(_depth(document, "Query"), _depth(document, "Mutation"))
    assert deepest == 4  # listOrders > items > items > sku (docs/OPERATIONS.md, "API limits")
    assert api["QueryDepthLimit"] == deepest + 1
    assert 1 <= api["ResolverCountLimit"] <= 10
    assert api["IntrospectionConfig"] == {"Fn::If": ["IsProd", "DISABLED", "ENABLED"]}
    assert api["LogConfig"]["FieldLogLevel"] == "ERROR"
    assert api["LogConfig"]["ExcludeVerboseContent"] is True


def test_waf_rate_limits_each_client_ip_where_the_environment_sets_a_limit() -> None:
    acl = RESOURCES["ApiWebAcl"]
    assert acl["Condition"] == "HasRateLimit"
    assert acl["Properties"]["Scope"] == "REGIONAL"
    rate = acl["Properties"]["Rules"][0]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "ApiRateLimitPerIp"}
    association = RESOURCES["ApiWebAclAssociation"]
    assert association["Condition"] == "HasRateLimit"
    assert association["Properties"] == {
        "ResourceArn": {"Fn::GetAtt": ["GraphQLApi", "Arn"]},
        "WebACLArn": {"Fn::GetAtt": ["ApiWebAcl", "Arn"]},
    }


def test_schema_lets_both_auth_modes_reach_every_operation_and_type() -> None:
    document = parse(template.SCHEMA.read_text())
    for node in document.definitions:
        if isinstance(node, ObjectTypeDefinitionNode):
            directives = {d.name.value for d in node.directives or ()}
            assert directives == {"aws_cognito_user_pools", "aws_iam"}, node.name.value


@pytest.mark.parametrize("role", ["GuestRole", "AuthenticatedRole"])
def test_identity_pool_roles_may_call_every_field_and_nothing_else(role: str) -> None:
    statements = RESOURCES[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statements] == ["appsync:GraphQL"]
    fields = {tuple(r["Fn::Sub"].split("/types/")[1].split("/fields/")) for r in statements[0]["Resource"]}
    assert fields == schema_fields() - PUBLISH_FIELDS
    trust = RESOURCES[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"] == {"Ref": "IdentityPool"}


# ---- least privilege ----------------------------------------------------------------------------


def test_every_function_is_in_the_least_privilege_table() -> None:
    assert set(functions()) == set(LEAST_PRIVILEGE)


@pytest.mark.parametrize("function", sorted(LEAST_PRIVILEGE))
def test_function_statements_equal_the_least_privilege_table(function: str) -> None:
    assert function_statements(function) == LEAST_PRIVILEGE[function]


@pytest.mark.parametrize("function", sorted(LEAST_PRIVILEGE))
def test_no_wildcard_actions_or_resources(function: str) -> None:
    for actions, resources, _ in function_statements(function):
        assert not any("*" in action for action in actions), function
        assert not any(resource in {"*", "arn:aws:*"} or resource.endswith(":*") for resource in resources), function


def test_order_functions_touch_s3_only_where_fulfilment_needs_it() -> None:
    """SPEC 9 grew SPEC 6's "order functions: no S3": the worker reads the sources' files and
    writes fulfillment/ only; getOrder/listOrders read fulfillment/ only (downloadUrl); the rest none."""
    for function in ("CreateOrderFunction", "UpdateOrderStatusFunction", "ProcessOrderFunction",
                     "OrderDeadLetterFunction"):  # fmt: skip
        assert not any(a.startswith("s3:") for actions, _, _ in function_statements(function) for a in actions)
    for function in ("GetOrderFunction", "ListOrdersFunction", "OrderWorkerFunction"):
        for actions, resources, _ in function_statements(function):
            if any(a in {"s3:PutObject", "s3:ListBucket"} or a.startswith("s3:Delete") for a in actions):
                assert function == "OrderWorkerFunction"
                assert all(r.endswith("/fulfillment/*") or r == BUCKET_ARN for r in resources)


# ---- functions, data stores, bucket, queues ---------------------------------------------------------


def test_functions_share_the_runtime_layer_and_tracing() -> None:
    globals_ = template.load()["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Tracing"] == "Active"
    assert globals_["Layers"] == [{"Ref": "SharedLayer"}, {"Ref": "TracingLayer"}]
    layer = RESOURCES["SharedLayer"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    # Powertools' Tracer where SnapStart takes its import into the snapshot (observability.py), and
    # never a function's response in a trace; its SDK is built without botocore (layers/tracing).
    variables = globals_["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["SnapStartEnabled", "false", "true"]}
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert RESOURCES["TracingLayer"]["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    for name, function in functions().items():
        code = Path(template.ROOT / function["Properties"]["CodeUri"])
        assert code.is_dir(), f"{name}: {code} is missing"
        assert (code / "app.py").is_file()
        assert f"{name.removesuffix('Function')}LogGroup" in RESOURCES, f"{name}: no log group with retention"


def test_tables() -> None:
    indexes = {
        "OrdersTable": {"customerId-createdAt-index", "status-createdAt-index"},
        "AlbumsTable": {"customerId-createdAt-index"},
        "CollagesTable": {"customerId-createdAt-index"},
        "PhotosTable": {"parent-uploadedAt-index"},
    }
    for name, expected in indexes.items():
        props = RESOURCES[name]["Properties"]
        assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == expected
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert RESOURCES["OrdersTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiresAt",
        "Enabled": True,
    }
    assert RESOURCES["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] == "expiration"


def test_bucket() -> None:
    props = RESOURCES["MediaBucket"]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    # Exactly the booth app's origins (examples/web, served by `make run` and `make app`), and production's.
    *app_origins, production = cors["AllowedOrigins"]
    assert (sorted(app_origins), production) == (sorted(APP_ORIGINS), {"Ref": "ProductionOrigin"})
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["noncurrent-versions-to-infrequent-access"]["NoncurrentVersionTransitions"] == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30}
    ]
    assert (rules["expire-temp"]["Prefix"], rules["expire-temp"]["ExpirationInDays"]) == ("temp/", 7)
    tls, *media_reads = RESOURCES["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [statement["Sid"] for statement in media_reads] == ["MediaDistributionReads", "NoOtherReads"]  # test_cdn.py
    assert (tls["Effect"], tls["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_order_queue_dead_letters_after_three_attempts() -> None:
    queue = RESOURCES["OrderQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["OrderDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 3,
    }
    worker = RESOURCES["OrderWorkerFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    mappings = {
        (m["Properties"]["FunctionName"]["Fn::GetAtt"][0], m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0])
        for m in template.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
        and m["Properties"]["EventSourceArn"]["Fn::GetAtt"][1] == "Arn"
    }
    assert mappings >= {("OrderWorkerFunction", "OrderQueue"), ("OrderDeadLetterFunction", "OrderDeadLetterQueue")}
    for function in ("OrderWorkerFunction", "OrderDeadLetterFunction"):
        # No SAM SQS event: it would attach AWS's managed SQS policy, whose resource is `*`.
        assert "Events" not in RESOURCES[function]["Properties"]


def test_render_queue_dead_letters_after_three_attempts_and_bounds_concurrency() -> None:
    queue = RESOURCES["RenderQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["RenderDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 3,
    }
    renderer = RESOURCES["RendererFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * renderer["Timeout"]
    assert (renderer["MemorySize"], renderer["Timeout"]) == (1024, 900)  # docs/RENDERING.md
    assert renderer["Layers"] == [{"Ref": "ImagingLayer"}]
    mapping = RESOURCES["RenderQueueMapping"]["Properties"]
    assert mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    dead_letters = RESOURCES["RenderDeadLetterQueueMapping"]["Properties"]
    assert dead_letters["EventSourceArn"] == {"Fn::GetAtt": ["RenderDeadLetterQueue", "Arn"]}
    assert dead_letters["FunctionName"] == {"Fn::GetAtt": ["RenderDeadLetterFunction", "Alias.AliasArn"]}
    for function in ("ChangeStreamFunction", "RendererFunction", "RenderDeadLetterFunction"):
        assert "Events" not in RESOURCES[function]["Properties"]  # managed policies' resources are `*`


def test_rendered_outputs_live_outside_the_upload_notifications() -> None:
    """Writing an output must never be an upload: the notifications watch albums/ and collages/ only."""
    events = RESOURCES["UploadEventsFunction"]["Properties"]["Events"].values()
    prefixes = {rule["Value"] for e in events for rule in e["Properties"]["Filter"]["S3Key"]["Rules"]}
    assert prefixes == {"albums/", "collages/"}
    for _, resources, _ in LEAST_PRIVILEGE["RendererFunction"]:
        for resource in resources:
            if "s3:::" in resource and "renders/" in resource:
                assert not any(resource.split("/", 1)[1].startswith(p) for p in prefixes)


def test_publish_fields_are_backend_only_and_only_the_publisher_may_call_them() -> None:
    document = parse(template.SCHEMA.read_text())
    mutation = next(
        n for n in document.definitions if isinstance(n, ObjectTypeDefinitionNode) and n.name.value == "Mutation"
    )
    for field in mutation.fields or ():
        if ("Mutation", field.name.value) in PUBLISH_FIELDS:
            assert [d.name.value for d in field.directives or ()] == ["aws_iam"], field.name.value
    callers = {
        name
        for name, resource in RESOURCES.items()
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::IAM::Role"}
        and "appsync:GraphQL" in json.dumps(resource["Properties"].get("Policies", []))
        and "publish" in json.dumps(resource["Properties"].get("Policies", []))
    }
    assert callers == {"ChangeStreamFunction"}


def test_every_table_stream_has_one_reader_the_change_stream_with_bisect_bounded_retries_and_a_destination() -> None:
    """One consumer per stream (AWS throttles above two readers a shard): the change stream."""
    streams = {
        name: m["Properties"]
        for name, m in template.resources("AWS::Lambda::EventSourceMapping").items()
        if m["Properties"]["EventSourceArn"]["Fn::GetAtt"][1] == "StreamArn"
    }
    tables = [m["EventSourceArn"]["Fn::GetAtt"][0] for m in streams.values()]
    assert sorted(tables) == ["AlbumsTable", "CollagesTable", "OrdersTable", "PhotosTable"]  # each once
    for table in tables:
        assert RESOURCES[table]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    for properties in streams.values():
        assert properties["FunctionName"] == {"Fn::GetAtt": ["ChangeStreamFunction", "Alias.AliasArn"]}
        assert properties["BisectBatchOnFunctionError"] is True
        assert 0 < properties["MaximumRetryAttempts"] <= 10
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert properties["DestinationConfig"] == {
            "OnFailure": {"Destination": {"Fn::GetAtt": ["ChangeStreamFailureQueue", "Arn"]}}
        }
        # No filter: every reaction sees every change and says itself which it wants.
        assert "FilterCriteria" not in properties


def test_cognito() -> None:
    pool = RESOURCES["UserPool"]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    assert RESOURCES["AdminsGroup"]["Properties"]["GroupName"] == "admins"
    assert RESOURCES["IdentityPool"]["Properties"]["AllowUnauthenticatedIdentities"] is True
    assert RESOURCES["UserPoolClient"]["Properties"]["GenerateSecret"] is False


def test_outputs() -> None:
    assert set(template.load()["Outputs"]) == {
        "GraphQLUrl",
        "UserPoolId",
        "UserPoolClientId",
        "IdentityPoolId",
        "MediaBucketName",
        "AlarmTopicArn",
        "DashboardName",
        "UnsubscribeUrl",  # the emails' one-click unsubscribe endpoint (SPEC 13)
        "EmailQueueUrl",  # where the change-stream consumer's notifications reaction sends
        "PaymentWebhookUrl",
        "MediaDomainName",  # SPEC 16: the distribution every read URL is signed for
        "MediaDistributionId",
    }


def test_function_environment_names_match_what_the_layer_reads() -> None:
    from ape_moments.settings import Settings

    known = {field.alias for field in Settings.model_fields.values()}
    infrastructure = {
        "STAGE",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
        "POWERTOOLS_LOGGER_LOG_EVENT",
        "POWERTOOLS_TRACE_DISABLED",  # read by observability.py and Powertools' Tracer
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
    }
    for name in functions():
        unknown = template.function_environment_names(name) - known - infrastructure
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"


def test_cfn_lint_is_clean() -> None:
    from cfnlint.api import lint

    # Errors and warnings (cfn-lint's defaults), as `make lint` and `sam validate --lint` see them.
    matches = lint(template.TEMPLATE.read_text())
    assert [str(m) for m in matches] == []


def test_the_imaging_layer_is_used_only_by_the_functions_that_decode() -> None:
    layer = RESOURCES["ImagingLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/imaging/"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    users = {
        name
        for name, function in functions().items()
        if {"Ref": "ImagingLayer"} in function["Properties"].get("Layers", [])
    }
    assert users == {"UploadEventsFunction", "RendererFunction"}


def test_thumbnails_are_written_outside_the_upload_notifications() -> None:
    events = RESOURCES["UploadEventsFunction"]["Properties"]["Events"].values()
    prefixes = [rule["Value"] for event in events for rule in event["Properties"]["Filter"]["S3Key"]["Rules"]]
    assert sorted(prefixes) == ["albums/", "collages/"]
    assert not any("thumbnails/albums/x.jpg".startswith(prefix) for prefix in prefixes)
