"""The functions of template.yaml, their environment, and the moto resources they need.

Nothing here is a second template reader: the template is the local stack's translated one
(``cloudformation.translated_template``: SAM's own translation, Globals merged, layers as
``AWS::Lambda::LayerVersion``), and every intrinsic function is resolved by the local stack's
``Intrinsics``, against the bench's own names (tables by logical id, as in the tests).
"""

from __future__ import annotations

import functools
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools import handlers, template
from devtools.local_stack import cloudformation
from devtools.local_stack.aws_services import synthetic_resource
from devtools.local_stack.cloudformation import Intrinsics, PhysicalResource, local_path

ROOT = template.ROOT
LAYER_SOURCE = ROOT / "layers" / "shared"
EVENTS = ROOT / "events"
ACCOUNT_ID = cloudformation.ACCOUNT_ID
REGION = "us-east-1"
# The stage whose settings are benchmarked: prod (INFO logging), what customers pay for.
STAGE = "prod"
STACK_NAME = f"ape-moments-{STAGE}"
FUNCTION_TYPE = "AWS::Lambda::Function"
LAYER_TYPE = "AWS::Lambda::LayerVersion"

SECRET_VALUES = {"StripeSecretKey": "sk_test_bench", "StripeWebhookSigningSecret": "whsec_bench"}

BASE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    # Nothing of the machine's own AWS setup may leak in: no config files, no instance metadata.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@functools.cache
def document() -> dict[str, Any]:
    """The template as CloudFormation: the one call into the local stack's template reader (which
    also expands what SAM leaves to CloudFormation, such as ``Fn::ForEach``, where it does)."""
    return cloudformation.translated_template()


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the template: where its code and layers are and what environment it gets."""

    logical_id: str
    code_dir: Path
    handler: str  # "app.lambda_handler", as the template's Handler
    environment: dict[str, str]
    memory_mb: int
    layer_dirs: tuple[Path, ...] = ()
    snapstart: bool = False

    @property
    def module_name(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def handler_name(self) -> str:
        return self.handler.rpartition(".")[2]

    @property
    def module_file(self) -> Path:
        return handlers.module_file(self.code_dir, self.handler)

    @property
    def exists(self) -> bool:
        return self.module_file.is_file()

    @property
    def short_dir(self) -> str:
        return self.code_dir.name


@dataclass
class Resources:
    """What the intrinsic functions resolve to locally; queue URLs depend on the endpoint."""

    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    table_keys: dict[str, list[str]] = field(default_factory=dict)  # table name -> key attributes
    table_indexes: dict[str, list[list[str]]] = field(default_factory=dict)  # table name -> GSI keys
    table_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # table name -> CreateTable
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL (after create)
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name
    versioned_buckets: set[str] = field(default_factory=set)


def intrinsics(found: Resources | None = None) -> Intrinsics:
    """The local stack's resolver, with the bench's tables, queues and buckets as physical resources
    (what is not created locally gets the local stack's synthetic names and ARNs)."""
    arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT_ID}:{{}}"
    physical = {}
    for logical_id, name in (found.tables if found else {}).items():
        table_arn = arn.format("dynamodb", f"table/{name}")
        physical[logical_id] = PhysicalResource(name, {"Arn": table_arn, "StreamArn": f"{table_arn}/stream/bench"})
    for logical_id, url in (found.queues if found else {}).items():
        queue_arn = arn.format("sqs", logical_id)
        physical[logical_id] = PhysicalResource(url or logical_id, {"Arn": queue_arn, "QueueName": logical_id})
    for logical_id, name in (found.buckets if found else {}).items():
        physical[logical_id] = PhysicalResource(name, {"Arn": f"arn:aws:s3:::{name}", "DomainName": name})
    return Intrinsics(
        document(),
        REGION,
        STACK_NAME,
        parameter_overrides={"Stage": STAGE},
        physical=physical,
        synthetic=synthetic_resource(REGION, STACK_NAME, "https://127.0.0.1/graphql"),
    )


def _enabled(kind: str) -> dict[str, dict[str, Any]]:
    resolver = intrinsics()
    return {
        logical_id: resource
        for logical_id, resource in document()["Resources"].items()
        if resource["Type"] == kind and resolver.resource_enabled(resource)
    }


def resources() -> Resources:
    """Local names for the template's tables, queues and buckets (queue URLs come on create)."""
    found = Resources()
    resolver = intrinsics()
    for logical_id, res in _enabled("AWS::DynamoDB::Table").items():
        props = res["Properties"]
        found.tables[logical_id] = logical_id
        found.table_keys[logical_id] = [k["AttributeName"] for k in props["KeySchema"]]
        found.table_indexes[logical_id] = [
            [k["AttributeName"] for k in index["KeySchema"]] for index in props.get("GlobalSecondaryIndexes", [])
        ]
        found.table_definitions[logical_id] = template.table_definition(logical_id)
    for logical_id, res in _enabled("AWS::S3::Bucket").items():
        props = res.get("Properties", {})
        name = props.get("BucketName")
        found.buckets[logical_id] = str(resolver.resolve(name)) if name else f"bench-{logical_id.lower()}"
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            found.versioned_buckets.add(logical_id)
    for logical_id in _enabled("AWS::SQS::Queue"):
        found.queues[logical_id] = ""
    return found


def create_resources(found: Resources, client: Callable[[str], Any]) -> None:
    """Create the template's tables, queues and buckets with ``client(service)``."""
    dynamodb = client("dynamodb")
    for logical_id, name in found.tables.items():
        dynamodb.create_table(**{**found.table_definitions[logical_id], "TableName": name})
    sqs = client("sqs")
    for logical_id in found.queues:
        found.queues[logical_id] = sqs.create_queue(QueueName=logical_id)["QueueUrl"]
    s3 = client("s3")
    for logical_id, name in found.buckets.items():
        s3.create_bucket(Bucket=name)
        if logical_id in found.versioned_buckets:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    # SPEC 16: the functions that hand out read URLs sign them with a key from Secrets Manager,
    # read on their first URL: the bench measures that path, as AWS runs it.
    secrets = {spec.environment.get("MEDIA_SIGNING_KEY_SECRET") for spec in functions(found)} - {None}
    if secrets:
        pem = _signing_key_pem()
        for name in sorted(str(secret) for secret in secrets):
            client("secretsmanager").create_secret(Name=name, SecretString=pem)
    # The template's own secrets (Stripe keys, the unsubscribe links' HMAC key), under the names
    # their Ref gives the functions; a value of the shape each reader expects.
    resolver = intrinsics(found)
    for logical_id in _enabled("AWS::SecretsManager::Secret"):
        # Fixed values: the layer caches a secret per execution environment, across the bench's cases.
        value = SECRET_VALUES.get(logical_id, f"bench-{logical_id}")
        client("secretsmanager").create_secret(Name=str(resolver.ref(logical_id)), SecretString=value)
    # The mailer sends from the EmailSender address: SES sends only from a verified identity.
    sender = resolver.parameters.get("EmailSender")
    if sender:
        client("ses").verify_email_identity(EmailAddress=sender)


def _signing_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def functions(found: Resources | None = None) -> list[FunctionSpec]:
    """Every function of the template (Globals merged by SAM), layers and environment resolved."""
    found = found or resources()
    resolver = intrinsics(found)
    template_resources = document()["Resources"]
    specs = []
    for logical_id, res in _enabled(FUNCTION_TYPE).items():
        props = res["Properties"]
        variables = resolver.resolve(props.get("Environment", {}).get("Variables", {}))
        layer_dirs = tuple(
            local_path(template_resources[layer["Ref"]]["Properties"]["Content"])
            for layer in props.get("Layers", [])
            if isinstance(layer, dict)
            and template_resources.get(layer.get("Ref"), {}).get("Type") == "AWS::Lambda::LayerVersion"
        )
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                code_dir=local_path(props["Code"]),
                handler=str(props.get("Handler", "app.lambda_handler")),
                environment={name: str(value) for name, value in variables.items()},
                memory_mb=int(resolver.resolve(props.get("MemorySize", 128))),
                layer_dirs=layer_dirs or (LAYER_SOURCE,),
                snapstart="SnapStart" in props,
            )
        )
    return specs


# ---- in-process handlers ---------------------------------------------------------------------


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """The function's handler in this process, under a unique name (every handler module is ``app``)."""
    unique_name = f"bench_{spec.logical_id}_{spec.module_name.replace('.', '_')}"
    return handlers.load_handler(spec.code_dir, spec.handler, layer_dirs=spec.layer_dirs, unique_name=unique_name)


def ensure_layer_on_path() -> None:
    if str(LAYER_SOURCE) not in sys.path:
        sys.path.insert(0, str(LAYER_SOURCE))


def clear_caches() -> None:
    """Forget every cached client, setting and service of the layer: a fresh execution environment."""
    for name, module in list(sys.modules.items()):
        if name == "ape_moments" or name.startswith("ape_moments."):
            for value in list(vars(module).values()):
                if callable(value) and hasattr(value, "cache_clear"):
                    value.cache_clear()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, restoring the previous ones after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


class FakeContext:
    """The attributes of a Lambda context that Powertools reads."""

    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:bench"

    def __init__(self, function_name: str = "bench") -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000
