"""The narrower rules behind the checks .checkov.yaml skips for the whole project.

checkov stops looking at a check skipped in .checkov.yaml, on every resource, new ones included.
Each reason there states what makes the check moot for this project; these tests hold the template
to that statement, so a resource the reason does not cover fails here instead of passing unseen.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools import template
from devtools.local_stack.cloudformation import references

TEMPLATE = template.load()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
FUNCTIONS = {name: res for name, res in RESOURCES.items() if res["Type"] in FUNCTION_TYPES}
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE.get("Globals", {}).get("Function", {})
CONFIG = Path(template.ROOT) / ".checkov.yaml"
MIN_REASON = 40  # characters, as tests/security/test_static_checks.py asks of a skip's reason


def _own_skip(resource: dict[str, Any], check: str) -> str | None:
    for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
        if skip.get("id") == check:
            return str(skip.get("comment", ""))
    return None


def test_every_project_wide_skip_is_enforced_here() -> None:
    skipped = yaml.safe_load(CONFIG.read_text())["skip-check"]
    assert skipped
    source = Path(__file__).read_text()
    missing = [check for check in skipped if f"def test_{check.lower()}_" not in source]
    assert missing == [], f"skipped in .checkov.yaml without a test of its rule: {missing}"


# CKV_AWS_117: "no function has a private resource to reach", so none runs in a VPC.
def test_ckv_aws_117_no_function_runs_in_a_vpc() -> None:
    assert "VpcConfig" not in GLOBAL_FUNCTION
    assert [name for name, res in FUNCTIONS.items() if "VpcConfig" in res.get("Properties", {})] == []


# CKV_AWS_173: "the environment holds only names, ARNs, URLs and settings, never a secret".
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|KEY")
SECRET_VALUE = re.compile(r"^(sk|rk)_(live|test)_|^whsec_|^pk_live_|AKIA[0-9A-Z]{16}|-----BEGIN|[A-Za-z0-9+/=_-]{32,}")
# Named like a secret, but not one: what each holds, and the shape its value must have.
NOT_SECRETS = {
    # Stripe's publishable key is public by design (the browser gets it); the parameter only takes pk_...
    "STRIPE_PUBLISHABLE_KEY": {"Ref": "StripePublishableKey"},
    # The CloudFront public key's id, which every signed URL carries.
    "MEDIA_KEY_PAIR_ID": {"Ref": "MediaPublicKey"},
    # The name of the Secrets Manager secret the media signing key is read from.
    "MEDIA_SIGNING_KEY_SECRET": {"Fn::Sub": "ape-moments-${Stage}-media-signing-key-${MediaSigningKeyVersion}"},
}


def _environments() -> dict[str, dict[str, Any]]:
    found = {"Globals": GLOBAL_FUNCTION.get("Environment", {}).get("Variables", {})}
    for name, res in FUNCTIONS.items():
        found[name] = res.get("Properties", {}).get("Environment", {}).get("Variables", {})
    return found


def _literals(value: Any) -> list[str]:
    """The text a value writes itself (a Sub's text without its ${} references), not what it refers to."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _literals(item)]
    if isinstance(value, dict):
        texts: list[str] = []
        for key, item in value.items():
            if key in ("Ref", "Fn::GetAtt"):
                continue
            if key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else item
                texts.append(re.sub(r"\$\{[^}]*\}", "", text))
                texts += _literals(variables)
            else:
                texts += _literals(item)
        return texts
    return [str(value)]


def test_ckv_aws_173_no_environment_variable_holds_a_secret() -> None:
    parameters = TEMPLATE["Parameters"]
    secrets = {name for name, res in RESOURCES.items() if res["Type"] == "AWS::SecretsManager::Secret"}
    problems = []
    for owner, variables in _environments().items():
        for variable, value in variables.items():
            where = f"{owner}.{variable}"
            problems += [
                f"{where}: {text!r} looks like a secret" for text in _literals(value) if SECRET_VALUE.search(text)
            ]
            no_echo = [p for p in references(value) if parameters.get(p, {}).get("NoEcho") in (True, "true")]
            if no_echo:
                problems.append(f"{where}: a NoEcho parameter is a secret handed in: {no_echo}")
            if not SECRET_NAME.search(variable):
                continue
            if variable.endswith("_ARN") and isinstance(value, dict) and value.get("Ref") in secrets:
                continue  # a secret's ARN (Ref of a Secrets Manager secret): the function reads it at run time
            if NOT_SECRETS.get(variable) == value:
                continue
            problems.append(f"{where}: named like a secret, holds {value!r}")
    assert problems == []
    assert parameters["StripePublishableKey"]["AllowedPattern"].startswith("^pk_")


def test_the_secret_rules_catch_a_secret() -> None:
    for secret in ("sk_live_abc", "whsec_x", "a" * 40):
        assert SECRET_VALUE.search(secret), secret
    assert not SECRET_VALUE.search("ape-moments-media")
    assert _literals({"Fn::Sub": ["${A}-token-${B}", {"B": "sk_test_x"}]}) == ["-token-", "sk_test_x"]
    assert SECRET_NAME.search("STRIPE_SECRET_KEY")
    assert not SECRET_NAME.search("ORDERS_TABLE_NAME")


# CKV_AWS_116: "a Lambda DLQ only receives failed asynchronous invocations"; so every function that
# is invoked asynchronously has somewhere for a failed event to go, or its own reason why not.
ASYNC_EVENT_TYPES = {"S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2", "CloudWatchLogs"}
SYNC_INVOKERS = {"appsync.amazonaws.com"}  # direct Lambda resolvers: the caller gets the error
ASYNC_INVOKERS = {"scheduler.amazonaws.com"}  # its schedules are found below


def _function_of(value: Any) -> str | None:
    named = references(value) & FUNCTIONS.keys()
    return next(iter(named)) if named else None


def _invoked_asynchronously() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, res in FUNCTIONS.items():
        for event, spec in res.get("Properties", {}).get("Events", {}).items():
            if spec["Type"] in ASYNC_EVENT_TYPES:
                found[name] = f"event {event} ({spec['Type']})"
    for name, res in RESOURCES.items():
        props = res.get("Properties", {})
        targets: list[Any] = []
        if res["Type"] == "AWS::Scheduler::Schedule":
            targets = [props["Target"]["Arn"]]
        elif res["Type"] == "AWS::Events::Rule":
            targets = [target["Arn"] for target in props.get("Targets", [])]
        elif res["Type"] == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            targets = [props["Endpoint"]]
        elif res["Type"] == "AWS::S3::Bucket":
            configurations = props.get("NotificationConfiguration", {}).get("LambdaConfigurations", [])
            targets = [configuration["Function"] for configuration in configurations]
        for target in targets:
            if function := _function_of(target):
                found[function] = f"{res['Type']} {name}"
    return found


def _failure_goes_somewhere(name: str) -> bool:
    props = FUNCTIONS[name].get("Properties", {})
    if "DeadLetterQueue" in props or props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure"):
        return True
    configs = [res["Properties"] for res in RESOURCES.values() if res["Type"] == "AWS::Lambda::EventInvokeConfig"]
    return any(
        _function_of(c["FunctionName"]) == name and c.get("DestinationConfig", {}).get("OnFailure") for c in configs
    )


def test_ckv_aws_116_every_asynchronously_invoked_function_keeps_its_failures() -> None:
    invoked = _invoked_asynchronously()
    assert "UploadEventsFunction" in invoked  # S3's notifications: the search finds what it must
    assert "SweeperFunction" in invoked  # EventBridge Scheduler invokes asynchronously
    unkept = []
    for name, how in invoked.items():
        if _failure_goes_somewhere(name):
            continue
        reason = _own_skip(FUNCTIONS[name], "CKV_AWS_116")
        if reason is None or len(reason) < MIN_REASON:
            unkept.append(f"{name} ({how}): no DeadLetterQueue, no OnFailure destination, no reason of its own")
    assert unkept == []


def test_ckv_aws_116_only_known_services_may_invoke_a_function() -> None:
    # A role allowed lambda:InvokeFunction is another way in; each invoker is known to be synchronous
    # (AppSync) or is searched for above (Scheduler), so a new kind of invoker is looked at here.
    invokers = set()
    for res in RESOURCES.values():
        if res["Type"] != "AWS::IAM::Role":
            continue
        props = res["Properties"]
        statements = [s for policy in props.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
        actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
        if "lambda:InvokeFunction" in actions:
            for statement in props["AssumeRolePolicyDocument"]["Statement"]:
                service = statement["Principal"]["Service"]
                invokers |= {service} if isinstance(service, str) else set(service)
    assert invokers
    assert invokers <= SYNC_INVOKERS | ASYNC_INVOKERS


# CKV_AWS_27: "every queue is encrypted with SSE-SQS".
def test_ckv_aws_27_every_queue_is_encrypted() -> None:
    queues = {name: res["Properties"] for name, res in RESOURCES.items() if res["Type"] == "AWS::SQS::Queue"}
    assert queues
    assert [name for name, props in queues.items() if props.get("SqsManagedSseEnabled") is not True] == []


# CKV_AWS_119: "every table is encrypted at rest with KMS through the AWS managed key".
def test_ckv_aws_119_every_table_is_encrypted() -> None:
    tables = {name: res["Properties"] for name, res in RESOURCES.items() if res["Type"] == "AWS::DynamoDB::Table"}
    assert tables
    assert [
        name for name, props in tables.items() if props.get("SSESpecification", {}).get("SSEEnabled") is not True
    ] == []


@pytest.mark.parametrize("check", yaml.safe_load(CONFIG.read_text())["skip-check"])
def test_each_skip_in_the_config_says_why(check: str) -> None:
    lines = CONFIG.read_text().splitlines()
    index = lines.index(f"  - {check}")
    reason = []
    for line in reversed(lines[:index]):
        if not line.strip().startswith("#"):
            break
        reason.append(line)
    assert len(" ".join(reason)) >= MIN_REASON, f"{check} is skipped in .checkov.yaml without its reason above it"
