"""Alarms, dashboard, deployment and the metric contract, proven from template.yaml itself."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from devtools import template
from tests.template.coverage import (
    BUSINESS_ALARMS,
    FUNCTION_TYPES,
    METRICS_NAMESPACE,
    alarms,
    missing_alarms,
    watched,
)

TEMPLATE = template.load()
RESOURCES = TEMPLATE["Resources"]
OPERATIONS = template.ROOT / "docs" / "OPERATIONS.md"


def _with(**resources: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"].update(resources)
    return changed


# ---- coverage -------------------------------------------------------------------------------------


def test_every_resource_has_its_alarms() -> None:
    assert missing_alarms(TEMPLATE) == []


def test_a_function_added_without_alarms_fails() -> None:
    function = copy.deepcopy(RESOURCES["GetOrderFunction"])
    assert missing_alarms(_with(ReportsFunction=function)) == ["ReportsFunction errors", "ReportsFunction throttles"]


def test_a_queue_added_without_alarms_fails() -> None:
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {
        "deadLetterTargetArn": {"Fn::GetAtt": ["RendersDeadLetterQueue", "Arn"]}, "maxReceiveCount": 3}}}  # fmt: skip
    missing = missing_alarms(_with(RendersQueue=queue, RendersDeadLetterQueue={"Type": "AWS::SQS::Queue"}))
    assert missing == [
        "RendersDeadLetterQueue age of oldest message",
        "RendersDeadLetterQueue depth",
        "RendersQueue age of oldest message",
    ]


def test_a_table_or_index_added_without_alarms_fails() -> None:
    table = copy.deepcopy(RESOURCES["AlbumsTable"])
    assert missing_alarms(_with(SketchesTable=table)) == [
        "SketchesTable ReadThrottleEvents",
        "SketchesTable WriteThrottleEvents",
        "SketchesTable customerId-createdAt-index ReadThrottleEvents",
        "SketchesTable customerId-createdAt-index WriteThrottleEvents",
        "SketchesTable system errors",
    ]
    changed = copy.deepcopy(TEMPLATE)
    indexes = changed["Resources"]["AlbumsTable"]["Properties"]["GlobalSecondaryIndexes"]
    indexes.append({**indexes[0], "IndexName": "status-createdAt-index"})
    assert missing_alarms(changed) == [
        "AlbumsTable status-createdAt-index ReadThrottleEvents",
        "AlbumsTable status-createdAt-index WriteThrottleEvents",
    ]


def test_a_stream_event_source_added_without_an_iterator_age_alarm_fails() -> None:
    mapping = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
        "EventSourceArn": {"Fn::GetAtt": ["OrdersTable", "StreamArn"]},
        "FunctionName": {"Fn::GetAtt": ["UploadEventsFunction", "Alias.AliasArn"]},
        "StartingPosition": "LATEST"}}  # fmt: skip
    assert missing_alarms(_with(OrdersStreamMapping=mapping)) == ["UploadEventsFunction stream iterator age"]
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["UploadEventsFunction"]["Properties"]["Events"]["OrderChanged"] = {
        "Type": "DynamoDB",
        "Properties": {"Stream": {"Fn::GetAtt": ["OrdersTable", "StreamArn"]}, "StartingPosition": "LATEST"},
    }
    assert missing_alarms(changed) == ["UploadEventsFunction stream iterator age"]


def test_an_alarm_removed_fails() -> None:
    changed = copy.deepcopy(TEMPLATE)
    del changed["Resources"]["OrdersTableSystemErrorsAlarm"]
    del changed["Resources"]["OrdersFailedAlarm"]
    assert missing_alarms(changed) == ["OrdersTable system errors", "business: OrdersFailed"]


# ---- every alarm's shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(alarms(TEMPLATE)))
def test_alarm_notifies_the_topic_and_names_its_runbook(name: str) -> None:
    props = RESOURCES[name]["Properties"]
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert props["OKActions"] == [{"Ref": "AlarmTopic"}]
    assert props["TreatMissingData"] == "notBreaching"
    anchor = re.search(r"docs/OPERATIONS\.md#([a-z0-9-]+)", props["AlarmDescription"])
    assert anchor, "the description names its runbook section"
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in OPERATIONS.read_text().splitlines()
        if line.startswith("#")
    }
    assert anchor.group(1) in headings


def test_alarm_counts_by_kind() -> None:
    kinds: dict[str, int] = {}
    for alarm in alarms(TEMPLATE).values():
        for key in watched(alarm):
            kind = "DynamoDB system errors (Metrics Insights)" if key[0] == "insights" else f"{key[0]} {key[1]}"
            kinds[kind] = kinds.get(kind, 0) + 1
    functions = sum(1 for r in RESOURCES.values() if r["Type"] in FUNCTION_TYPES)
    assert kinds["AWS/Lambda Errors"] == functions
    assert kinds["AWS/Lambda Throttles"] == functions
    # 58 + the sweeper function (2) + the Photos table (5) + the photos function (2) + rendering (7:
    # two functions x 2, the two render queues' ages, the dead-letter depth) + live updates (2:
    # the resolvers x 2) + the change stream (5: its function x 2, its streams' IteratorAge, its
    # failure queue's age and depth; it replaced the render dispatcher and the live publisher)
    # + notifications (13: three functions x 2, the email queue's age, its dead-letter queue's age and
    # depth, the preferences table's 3, EmailsFailed)
    # + the owner's figures (5: adminStats x 2, the Stats table 3)
    # + payments (7: three functions x 2, refused webhooks)
    # + the media distribution's 5xx (1)
    assert len(alarms(TEMPLATE)) == 107


def test_api_latency_alarm_is_on_p99() -> None:
    assert RESOURCES["ApiLatencyAlarm"]["Properties"]["ExtendedStatistic"] == "p99"


def test_alarm_topic_and_email_subscription() -> None:
    assert RESOURCES["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert RESOURCES["AlarmEmailSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    (statement,) = RESOURCES["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"


def test_bucket_has_whole_bucket_request_metrics() -> None:
    assert RESOURCES["MediaBucket"]["Properties"]["MetricsConfigurations"] == [{"Id": "EntireBucket"}]


# ---- deployment: aliases, rollback alarms, SnapStart ------------------------------------------------


def test_every_function_deploys_behind_an_alias_and_rolls_back_on_its_error_alarm() -> None:
    globals_ = TEMPLATE["Globals"]["Function"]
    assert globals_["AutoPublishAlias"] == "live"
    assert globals_["DeploymentPreference"] == {"Type": {"Ref": "DeploymentPreferenceType"}}
    for name, function in template.resources("AWS::Serverless::Function").items():
        alarm = f"{name.removesuffix('Function')}ErrorsAlarm"
        assert function["Properties"]["DeploymentPreference"] == {"Alarms": [{"Ref": alarm}]}, name
        keys = list(watched(RESOURCES[alarm]))
        assert ("AWS/Lambda", "Errors", frozenset({("FunctionName", json.dumps({"Ref": name}))})) in keys


def test_api_functions_have_snapstart_where_enabled_and_appsync_invokes_their_alias() -> None:
    api_functions = set()
    for source in template.resources("AWS::AppSync::DataSource").values():
        arn = source["Properties"]["LambdaConfig"]["LambdaFunctionArn"]
        function, attribute = arn["Fn::GetAtt"]
        assert attribute == "Alias.AliasArn", "AppSync must invoke the alias (SnapStart runs published versions only)"
        api_functions.add(function)
    for name, function in template.resources("AWS::Serverless::Function").items():
        snapstart = function["Properties"].get("SnapStart")
        if name in api_functions:
            assert snapstart == {"ApplyOn": {"Fn::If": ["SnapStartEnabled", "PublishedVersions", "None"]}}, name
        else:
            assert snapstart is None, name


def test_queue_consumers_and_the_s3_pipeline_go_through_the_alias() -> None:
    for mapping in template.resources("AWS::Lambda::EventSourceMapping").values():
        assert mapping["Properties"]["FunctionName"]["Fn::GetAtt"][1] == "Alias.AliasArn"
    invoke = RESOURCES["UploadEventsFunction"]["Properties"]["EventInvokeConfig"]
    assert invoke["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["UploadEventsFailureQueue", "Arn"]},
    }


# ---- the metric contract: alarms and dashboard use only what docs/OPERATIONS.md defines ------------


def contract() -> dict[str, set[frozenset[str]]]:
    """Metric name -> the dimension sets the contract table says the emitter publishes."""
    table: dict[str, set[frozenset[str]]] = {}
    for line in OPERATIONS.read_text().splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|\s*(\w+)\s*\|(.*?)\|", line)
        if match:
            for dimension_set in re.findall(r"`\{([^}]*)\}`", match.group(3)):
                names = frozenset(n.strip().split("=")[0] for n in dimension_set.split(",") if n.strip())
                table.setdefault(match.group(1), set()).add(names)
    return table


def dashboard_custom_metrics() -> set[tuple[str, frozenset[str]]]:
    body = RESOURCES["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{([^}]+)\}", r"\1", body))["widgets"]
    found: set[tuple[str, frozenset[str]]] = set()
    for widget in widgets:
        previous: list[Any] = []
        for row in widget.get("properties", {}).get("metrics", []):
            cells = [c for c in row if not isinstance(c, dict)]
            if cells[:1] == ["..."]:
                cells = previous[: len(previous) - len(cells) + 1] + cells[1:]
            cells = [previous[i] if c == "." else c for i, c in enumerate(cells)]
            previous = cells
            if cells and cells[0] == "ApeMoments/Stage":
                found.add((cells[1], frozenset(cells[2::2])))
            for option in (c for c in row if isinstance(c, dict) and "expression" in c):
                search = re.search(r"\{ApeMoments/Stage,([^}]*)\} MetricName=\"(\w+)\"", option["expression"])
                if search:
                    found.add((search.group(2), frozenset(search.group(1).split(","))))
    return found


def test_contract_defines_every_custom_metric_the_alarms_use_with_that_dimension_set() -> None:
    defined = contract()
    used = [
        (key[1], frozenset(name for name, _ in key[2]))
        for alarm in alarms(TEMPLATE).values()
        for key in watched(alarm)
        if key[0] == json.dumps(METRICS_NAMESPACE, sort_keys=True)
    ]
    assert {name for name, _ in used} >= set(BUSINESS_ALARMS)
    for name, dimensions in used:
        assert dimensions in defined.get(name, set()), f"{name} {set(dimensions)} is not in the contract"


def test_contract_defines_every_custom_metric_the_dashboard_shows() -> None:
    defined = contract()
    shown = dashboard_custom_metrics()
    assert len(shown) >= 12
    for name, dimensions in shown:
        assert dimensions in defined.get(name, set()), f"{name} {set(dimensions)} is not in the contract"


def test_namespace_and_service_names_are_the_contracts() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE
    services = {"orders", "media", "notifications", "sweeper"}
    text = OPERATIONS.read_text()
    for name, function in template.resources("AWS::Serverless::Function").items():
        service = function["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        assert service in services, name
        assert f"`service={service}`" in text
