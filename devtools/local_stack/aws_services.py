"""moto's server, and every table, bucket, queue, user pool, client, group and identity pool of the
template created in it through the service APIs (moto's CloudFormation skips Cognito and AppSync).

Each supported resource type has one ``_create_*`` function that turns the template's properties
into API calls; resources are created in dependency order, so ``!GetAtt OrderDeadLetterQueue.Arn``
in a redrive policy resolves to the queue created a moment before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from devtools.local_stack.cloudformation import ACCOUNT_ID, Intrinsics, PhysicalResource, TemplateError, references

# Fixed credentials for everything the local stack itself and the functions do. The S3 front
# knows them, so it can verify the SigV4 signature of URLs the presign functions produce.
FUNCTION_ACCESS_KEY_ID = "ASIALOCALFUNCTIONS01"
FUNCTION_SECRET_ACCESS_KEY = "local-function-secret-access-key-0000000000"  # noqa: S105 - local only
FUNCTION_SESSION_TOKEN = "local-function-session-token"  # noqa: S105 - local only


def start_moto() -> tuple[Any, str]:
    """moto's threaded server on a free port of 127.0.0.1 (never 0.0.0.0), quiet."""
    from moto.server import ThreadedMotoServer

    from devtools.moto_atomic import serialize_moto_requests

    # moto's server is threaded: without this two concurrent conditional writes could both pass,
    # and a read could see half of an UpdateItem (devtools/moto_atomic.py).
    serialize_moto_requests()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def aws_client(service: str, endpoint_url: str, region: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=FUNCTION_ACCESS_KEY_ID,
        aws_secret_access_key=FUNCTION_SECRET_ACCESS_KEY,
        aws_session_token=FUNCTION_SESSION_TOKEN,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


# ---- what the other parts of the local stack need to know about the created resources -----------


@dataclass
class NotificationTarget:
    """One ``LambdaConfigurations`` entry of a bucket: which new objects go to which function."""

    function_id: str
    events: list[str]
    prefix: str = ""
    suffix: str = ""
    configuration_id: str = ""


@dataclass
class Bucket:
    name: str
    cors_rules: list[dict[str, Any]]
    notifications: list[NotificationTarget] = field(default_factory=list)


@dataclass
class UserPool:
    pool_id: str
    client_ids: list[str] = field(default_factory=list)


@dataclass
class IdentityPool:
    pool_id: str
    allow_unauthenticated: bool
    providers: dict[str, str]  # provider name (cognito-idp.<region>.amazonaws.com/<pool>) -> client id
    roles: dict[str, str] = field(default_factory=dict)  # "unauthenticated"/"authenticated" -> role logical id


@dataclass
class Queue:
    logical_id: str
    url: str
    arn: str


@dataclass
class LocalResources:
    buckets: dict[str, Bucket] = field(default_factory=dict)
    user_pools: dict[str, UserPool] = field(default_factory=dict)  # by logical id
    identity_pools: dict[str, IdentityPool] = field(default_factory=dict)  # by pool id
    queues: dict[str, Queue] = field(default_factory=dict)  # by ARN
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    secrets: dict[str, str] = field(default_factory=dict)  # logical id -> secret ARN


# ---- creating resources from the template --------------------------------------------------------

Creator = Callable[["Provisioner", str, dict[str, Any]], PhysicalResource | None]


def _allowed(properties: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {key: value for key, value in properties.items() if key in names}


class Provisioner:
    def __init__(self, intrinsics: Intrinsics, endpoint_url: str, region: str) -> None:
        self.intrinsics = intrinsics
        self.region = region
        self.resources = LocalResources()
        self._endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}
        self._deferred: list[Callable[[], None]] = []

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = aws_client(service, self._endpoint_url, self.region)
        return self._clients[service]

    def name_for(self, logical_id: str) -> str:
        return f"{self.intrinsics.stack_name}-{logical_id}"

    def provision(self) -> LocalResources:
        template_resources = self.intrinsics.template["Resources"]
        wanted = {
            logical_id: resource
            for logical_id, resource in template_resources.items()
            if resource["Type"] in CREATORS and self.intrinsics.resource_enabled(resource)
        }
        for logical_id in _dependency_order(wanted):
            resource = wanted[logical_id]
            properties = self.intrinsics.resolve(resource.get("Properties", {}))
            physical = CREATORS[resource["Type"]](self, logical_id, properties)
            if physical is not None:
                self.intrinsics.physical[logical_id] = physical
        for step in self._deferred:
            step()
        return self.resources

    def after_all(self, step: Callable[[], None]) -> None:
        """Run once everything exists (bucket notifications name functions' ARNs)."""
        self._deferred.append(step)


def _dependency_order(wanted: dict[str, dict[str, Any]]) -> list[str]:
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        if logical_id in visiting:
            raise TemplateError(f"dependency cycle through {logical_id}")
        visiting.add(logical_id)
        resource = wanted[logical_id]
        depends_on = resource.get("DependsOn", [])
        needs = references(resource.get("Properties", {})) | set(
            [depends_on] if isinstance(depends_on, str) else depends_on
        )
        for dependency in sorted(needs & wanted.keys()):
            visit(dependency)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in wanted:
        visit(logical_id)
    return ordered


def _create_table(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    dynamodb = provisioner.client("dynamodb")
    name = properties.get("TableName") or provisioner.name_for(logical_id)
    arguments: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
        **_allowed(
            properties,
            {"GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput", "DeletionProtectionEnabled"},
        ),
    }
    if "StreamSpecification" in properties:
        arguments["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    if "SSESpecification" in properties:
        arguments["SSESpecification"] = {"Enabled": properties["SSESpecification"].get("SSEEnabled", False)}
    description = dynamodb.create_table(**arguments)["TableDescription"]
    if ttl := properties.get("TimeToLiveSpecification"):
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    if pitr := properties.get("PointInTimeRecoverySpecification"):
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": pitr.get("PointInTimeRecoveryEnabled", False)
            },
        )
    provisioner.resources.tables[logical_id] = name
    attributes = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    return PhysicalResource(ref=name, attributes=attributes)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape to the S3 API's."""
    converted: dict[str, Any] = {"ID": rule.get("Id", ""), "Status": rule["Status"]}
    converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpirationInDays" in rule:
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
    if "NoncurrentVersionTransitions" in rule:
        converted["NoncurrentVersionTransitions"] = [
            {"StorageClass": item["StorageClass"], "NoncurrentDays": item["TransitionInDays"]}
            for item in rule["NoncurrentVersionTransitions"]
        ]
    if "Transitions" in rule:
        converted["Transitions"] = [
            {"StorageClass": item["StorageClass"], "Days": item["TransitionInDays"]} for item in rule["Transitions"]
        ]
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return converted


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted = _allowed(rule, {"AllowedHeaders", "AllowedMethods", "AllowedOrigins"})
    if "ExposedHeaders" in rule:
        converted["ExposeHeaders"] = rule["ExposedHeaders"]
    if "MaxAge" in rule:
        converted["MaxAgeSeconds"] = int(rule["MaxAge"])
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    return converted


def _create_bucket(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    s3 = provisioner.client("s3")
    name = properties.get("BucketName") or provisioner.name_for(logical_id).lower()
    if provisioner.region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": provisioner.region})
    if versioning := properties.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
    if encryption := properties.get("BucketEncryption"):
        rules = [
            {
                "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                **_allowed(rule, {"BucketKeyEnabled"}),
            }
            for rule in encryption["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if block := properties.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if ownership := properties.get("OwnershipControls"):
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=ownership)
    if lifecycle := properties.get("LifecycleConfiguration"):
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in lifecycle["Rules"]]}
        )
    cors_rules = [_cors_rule(rule) for rule in properties.get("CorsConfiguration", {}).get("CorsRules", [])]
    if cors_rules:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors_rules})
    bucket = Bucket(name=name, cors_rules=cors_rules)
    provisioner.resources.buckets[name] = bucket

    # moto would try to invoke Lambda itself; the S3 front delivers these notifications instead.
    lambda_configurations = properties.get("NotificationConfiguration", {}).get("LambdaConfigurations", [])
    if lambda_configurations:
        provisioner.after_all(lambda: _register_notifications(provisioner, bucket, lambda_configurations))
    return PhysicalResource(
        ref=name,
        attributes={
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{provisioner.region}.amazonaws.com",
        },
    )


def _register_notifications(provisioner: Provisioner, bucket: Bucket, configurations: list[dict[str, Any]]) -> None:
    template_resources = provisioner.intrinsics.template["Resources"]
    function_by_arn = {
        provisioner.intrinsics.get_att(logical_id, "Arn"): logical_id
        for logical_id, resource in template_resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    for index, configuration in enumerate(configurations):
        rules = {
            rule["Name"].lower(): rule["Value"]
            for rule in configuration.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        }
        events = configuration["Event"]
        bucket.notifications.append(
            NotificationTarget(
                function_id=function_by_arn[configuration["Function"]],
                events=[events] if isinstance(events, str) else list(events),
                prefix=rules.get("prefix", ""),
                suffix=rules.get("suffix", ""),
                configuration_id=configuration.get("Id", f"{bucket.name}-notification-{index}"),
            )
        )


def _record_bucket_policy(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> None:
    """Not given to moto: it evaluates bucket policies on presigned requests, and the template's
    TLS-only statement (``aws:SecureTransport`` false -> Deny) refuses everything on local plain
    HTTP. The S3 front enforces what a frontend meets instead (signature, expiry, headers, CORS)."""


_QUEUE_ATTRIBUTES = {
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
}


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _create_queue(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    sqs = provisioner.client("sqs")
    name = properties.get("QueueName") or provisioner.name_for(logical_id)
    if properties.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: _attribute_text(value) for key, value in _allowed(properties, _QUEUE_ATTRIBUTES).items()}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in properties:
            attributes[key] = _attribute_text(properties[key])
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = f"arn:aws:sqs:{provisioner.region}:{ACCOUNT_ID}:{name}"
    provisioner.resources.queues[arn] = Queue(logical_id=logical_id, url=url, arn=arn)
    return PhysicalResource(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})


def _create_queue_policy(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> None:
    for url in properties["Queues"]:
        provisioner.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(properties["PolicyDocument"])}
        )


_USER_POOL_PROPERTIES = {
    "Policies",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "AdminCreateUserConfig",
    "Schema",
    "UserAttributeUpdateSettings",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "DeletionProtection",
    "VerificationMessageTemplate",
    "UserPoolTags",
}


def _create_secret(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    """A Secrets Manager secret: its own value, or a random one as GenerateSecretString (or someone
    putting the real value later, as for the Stripe keys) would make it."""
    import secrets

    name = properties.get("Name") or provisioner.name_for(logical_id)
    length = int((properties.get("GenerateSecretString") or {}).get("PasswordLength", 32))
    value = properties.get("SecretString") or secrets.token_urlsafe(length)[:length]
    arn = provisioner.client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    provisioner.resources.secrets[logical_id] = arn
    return PhysicalResource(ref=arn, attributes={"Id": arn})


def _create_user_pool(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("UserPoolName") or provisioner.name_for(logical_id)
    pool = provisioner.client("cognito-idp").create_user_pool(
        PoolName=name, **_allowed(properties, _USER_POOL_PROPERTIES)
    )["UserPool"]
    provisioner.resources.user_pools[logical_id] = UserPool(pool_id=pool["Id"])
    provider = f"cognito-idp.{provisioner.region}.amazonaws.com/{pool['Id']}"
    return PhysicalResource(
        ref=pool["Id"],
        attributes={"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}"},
    )


# The local stack signs users in with USER_PASSWORD_AUTH (moto has no SRP); see docs/LOCAL_STACK.md.
LOCAL_AUTH_FLOW = "ALLOW_USER_PASSWORD_AUTH"


def _create_user_pool_client(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    arguments = {key: value for key, value in properties.items() if key != "UserPoolId"}
    arguments.setdefault("ClientName", provisioner.name_for(logical_id))
    flows = list(arguments.get("ExplicitAuthFlows", []))
    if LOCAL_AUTH_FLOW not in flows:
        arguments["ExplicitAuthFlows"] = [*flows, LOCAL_AUTH_FLOW]
    client = provisioner.client("cognito-idp").create_user_pool_client(
        UserPoolId=properties["UserPoolId"], **arguments
    )["UserPoolClient"]
    for pool in provisioner.resources.user_pools.values():
        if pool.pool_id == properties["UserPoolId"]:
            pool.client_ids.append(client["ClientId"])
    return PhysicalResource(ref=client["ClientId"], attributes={"Name": client["ClientName"]})


def _create_user_pool_group(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("GroupName") or provisioner.name_for(logical_id)
    provisioner.client("cognito-idp").create_group(
        GroupName=name,
        UserPoolId=properties["UserPoolId"],
        **_allowed(properties, {"Description", "Precedence", "RoleArn"}),
    )
    return PhysicalResource(ref=name)


def _create_identity_pool(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("IdentityPoolName") or provisioner.name_for(logical_id).replace("-", "_")
    allow_unauthenticated = bool(properties.get("AllowUnauthenticatedIdentities", False))
    providers = properties.get("CognitoIdentityProviders", [])
    pool = provisioner.client("cognito-identity").create_identity_pool(
        IdentityPoolName=name,
        AllowUnauthenticatedIdentities=allow_unauthenticated,
        **_allowed(
            properties,
            {"AllowClassicFlow", "CognitoIdentityProviders", "SupportedLoginProviders", "DeveloperProviderName"},
        ),
    )
    provisioner.resources.identity_pools[pool["IdentityPoolId"]] = IdentityPool(
        pool_id=pool["IdentityPoolId"],
        allow_unauthenticated=allow_unauthenticated,
        providers={provider["ProviderName"]: provider["ClientId"] for provider in providers},
    )
    return PhysicalResource(ref=pool["IdentityPoolId"], attributes={"Name": name})


def _attach_identity_pool_roles(provisioner: Provisioner, logical_id: str, properties: dict[str, Any]) -> None:
    """moto has no identity-pool roles; the identity issuer needs to know which role a guest gets."""
    role_by_arn = {
        provisioner.intrinsics.get_att(role_id, "Arn"): role_id
        for role_id, resource in provisioner.intrinsics.template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
    }
    pool = provisioner.resources.identity_pools[properties["IdentityPoolId"]]
    pool.roles = {kind: role_by_arn[arn] for kind, arn in properties.get("Roles", {}).items() if arn in role_by_arn}


CREATORS: dict[str, Creator] = {
    "AWS::DynamoDB::Table": _create_table,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::S3::BucketPolicy": _record_bucket_policy,
    "AWS::SQS::Queue": _create_queue,
    "AWS::SecretsManager::Secret": _create_secret,
    "AWS::SQS::QueuePolicy": _create_queue_policy,
    "AWS::Cognito::UserPool": _create_user_pool,
    "AWS::Cognito::UserPoolClient": _create_user_pool_client,
    "AWS::Cognito::UserPoolGroup": _create_user_pool_group,
    "AWS::Cognito::IdentityPool": _create_identity_pool,
    "AWS::Cognito::IdentityPoolRoleAttachment": _attach_identity_pool_roles,
}


def synthetic_resource(
    region: str, stack_name: str, graphql_url: str
) -> Callable[[str, dict[str, Any]], PhysicalResource]:
    """Names and ARNs for what is not created locally (functions run as workers, roles are not enforced)."""

    def make(logical_id: str, resource: dict[str, Any]) -> PhysicalResource:  # noqa: PLR0911 - one return per kind
        name = f"{stack_name}-{logical_id}"
        kind = resource["Type"]
        prefix = f"arn:aws:{{service}}:{region}:{ACCOUNT_ID}"
        if kind == "AWS::Lambda::Function":
            arn = prefix.format(service="lambda") + f":function:{name}"
            return PhysicalResource(ref=name, attributes={"Arn": arn})
        if kind == "AWS::IAM::Role":
            arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
            role_id = "AROA" + "".join(ch for ch in logical_id.upper() if ch.isalnum())[:17].ljust(17, "X")
            return PhysicalResource(ref=name, attributes={"Arn": arn, "RoleId": role_id})
        if kind == "AWS::AppSync::GraphQLApi":
            arn = prefix.format(service="appsync") + ":apis/local"
            attributes = {"ApiId": "local", "Arn": arn, "GraphQLUrl": graphql_url, "GraphQLDns": "127.0.0.1"}
            return PhysicalResource(ref=arn, attributes=attributes)
        if kind == "AWS::AppSync::DataSource":
            data_source_name = resource["Properties"]["Name"]
            arn = prefix.format(service="appsync") + f":apis/local/datasources/{data_source_name}"
            return PhysicalResource(ref=arn, attributes={"Name": data_source_name, "DataSourceArn": arn})
        if kind == "AWS::Lambda::Url":  # SAM names it <Function>Url; served by the local stack
            function = logical_id.removesuffix("Url")
            origin = graphql_url.removesuffix("/graphql")
            url = f"{origin}/local/function-urls/{function}/"
            return PhysicalResource(ref=url, attributes={"FunctionUrl": url})
        if kind == "AWS::Lambda::LayerVersion":
            return PhysicalResource(ref=prefix.format(service="lambda") + f":layer:{name}:1")
        if kind == "AWS::DynamoDB::Table":  # when tables are not provisioned (the API read alone)
            arn = prefix.format(service="dynamodb") + f":table/{name}"
            return PhysicalResource(ref=name, attributes={"Arn": arn, "StreamArn": f"{arn}/stream/local"})
        if kind == "AWS::CloudFront::Distribution":  # the stack's /media stands in (media_cdn)
            return PhysicalResource(ref="ELOCALMEDIA", attributes={"DomainName": "media.cloudfront.local"})
        service = kind.split("::")[1].lower()
        return PhysicalResource(ref=name, attributes={"Arn": prefix.format(service=service) + f":{name}"})

    return make
