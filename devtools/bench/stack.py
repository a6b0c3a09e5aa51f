"""The functions of template.yaml, their environment, and the moto resources they need.

Nothing here is a second list of resources: functions, tables, queues and buckets are read from
the template, and each function's environment is its template environment with the intrinsic
functions resolved against the local resources (tables named by logical id, as in the tests).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools import template

ROOT = template.ROOT
LAYER_SOURCE = ROOT / "layers" / "shared"
EVENTS = ROOT / "events"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
# The stage whose settings are benchmarked: prod (INFO logging), what customers pay for.
STAGE = "prod"
FUNCTION_TYPE = "AWS::Serverless::Function"

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


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function: where its code is and what environment it gets."""

    logical_id: str
    code_dir: Path
    module_name: str  # "app" for Handler "app.lambda_handler"
    handler_name: str
    environment: dict[str, str]
    memory_mb: int

    @property
    def module_file(self) -> Path:
        return self.code_dir / f"{self.module_name.replace('.', '/')}.py"

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
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL (after create)
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name
    versioned_buckets: set[str] = field(default_factory=set)


def _parameters() -> dict[str, str]:
    params = {name: str(p.get("Default", "")) for name, p in template.load().get("Parameters", {}).items()}
    params["Stage"] = STAGE
    params.update({"AWS::AccountId": ACCOUNT_ID, "AWS::Region": REGION, "AWS::Partition": "aws"})
    params["AWS::StackName"] = f"ape-moments-{STAGE}"
    return params


def _condition(name: str) -> bool:
    return bool(_resolve(template.load().get("Conditions", {})[name], {}))


def _sub(text: str, refs: dict[str, str]) -> str:
    out, rest = [], text
    while "${" in rest:
        head, _, tail = rest.partition("${")
        name, _, rest = tail.partition("}")
        out.append(head)
        base, _, attribute = name.partition(".")
        out.append(refs.get(name) or (f"{refs.get(base, base)}-{attribute}" if attribute else refs.get(base, name)))
    out.append(rest)
    return "".join(out)


def _resolve(value: Any, refs: dict[str, str]) -> Any:  # noqa: PLR0911 - one branch per intrinsic
    """Resolve the intrinsic functions the functions' environments use."""
    scope = {**_parameters(), **refs}
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref":
            return scope.get(arg, arg)
        if name == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            return _sub(text, {**scope, **{k: str(_resolve(v, refs)) for k, v in extra.items()}})
        if name == "Fn::If":
            return _resolve(arg[1] if _condition(arg[0]) else arg[2], refs)
        if name == "Fn::Equals":
            return _resolve(arg[0], refs) == _resolve(arg[1], refs)
        if name == "Fn::Not":
            return not _resolve(arg[0], refs)
        if name == "Fn::GetAtt":
            return f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{arg[0]}"
        if name == "Condition":
            return _condition(arg)
    return value


def resources() -> Resources:
    """Local names for the template's tables, queues and buckets (queue URLs come on create)."""
    found = Resources()
    for logical_id, res in template.load()["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::DynamoDB::Table":
            found.tables[logical_id] = logical_id
            found.table_keys[logical_id] = [k["AttributeName"] for k in props["KeySchema"]]
            found.table_indexes[logical_id] = [
                [k["AttributeName"] for k in index["KeySchema"]] for index in props.get("GlobalSecondaryIndexes", [])
            ]
        elif res["Type"] == "AWS::S3::Bucket":
            name = props.get("BucketName")
            found.buckets[logical_id] = str(_resolve(name, {})) if name else f"bench-{logical_id.lower()}"
            if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                found.versioned_buckets.add(logical_id)
        elif res["Type"] == "AWS::SQS::Queue":
            found.queues[logical_id] = ""
    return found


def create_resources(found: Resources, client: Callable[[str], Any]) -> None:
    """Create the template's tables, queues and buckets with ``client(service)``."""
    dynamodb = client("dynamodb")
    for logical_id, name in found.tables.items():
        dynamodb.create_table(**template.table_definition(logical_id, name))
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


def _signing_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def _refs(found: Resources) -> dict[str, str]:
    return {**found.tables, **found.queues, **found.buckets}


def functions(found: Resources | None = None) -> list[FunctionSpec]:
    """Every AWS::Serverless::Function of the template, Globals applied, environment resolved."""
    found = found or resources()
    doc = template.load()
    globals_ = doc.get("Globals", {}).get("Function", {})
    specs = []
    for logical_id, res in template.resources(FUNCTION_TYPE).items():
        props = {**globals_, **res.get("Properties", {})}
        variables = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **res.get("Properties", {}).get("Environment", {}).get("Variables", {}),
        }
        environment = {name: str(_resolve(value, _refs(found))) for name, value in variables.items()}
        module_name, _, handler_name = str(props.get("Handler", "app.lambda_handler")).rpartition(".")
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                code_dir=(ROOT / str(props["CodeUri"])).resolve(),
                module_name=module_name,
                handler_name=handler_name,
                environment=environment,
                memory_mb=int(props.get("MemorySize", 128)),
            )
        )
    return specs


# ---- in-process handlers ---------------------------------------------------------------------


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """Import the function's module under a unique name (every handler module is called ``app``)."""
    name = f"bench_{spec.logical_id}_{spec.module_name.replace('.', '_')}"
    if name in sys.modules:
        return getattr(sys.modules[name], spec.handler_name)  # type: ignore[no-any-return]
    module_spec = importlib.util.spec_from_file_location(name, spec.module_file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {spec.module_file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(spec.code_dir))
    try:
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(spec.code_dir))
    return getattr(module, spec.handler_name)  # type: ignore[no-any-return]


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
