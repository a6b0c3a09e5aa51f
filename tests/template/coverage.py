"""What must be alarmed, read from the template itself, and what the template's alarms watch.

``missing_alarms(template)`` lists every metric a resource of the template needs an alarm on
(docs/OPERATIONS.md, "Alarms") that no ``AWS::CloudWatch::Alarm`` watches, so a function, queue,
table, index, stream event source or API added without its alarms is named here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
STREAM_EVENT_TYPES = ("DynamoDB", "Kinesis")
METRICS_NAMESPACE = {"Fn::Sub": "ApeMoments/${Stage}"}

# The business-failure alarms of the metric contract (docs/OPERATIONS.md): metric -> service.
BUSINESS_ALARMS = {
    "OrdersFailed": "orders",
    "PaymentsDeclined": "orders",
    "PhotosRefused": "media",
    "RendersFailed": "media",
    "StuckItemsFound": "sweeper",
}

Dimensions = frozenset[tuple[str, str]]
MetricKey = tuple[str, str, Dimensions]


def _canonical(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def metric_key(namespace: Any, name: str, dimensions: list[dict[str, Any]]) -> MetricKey:
    return (_canonical(namespace), name, frozenset((d["Name"], _canonical(d["Value"])) for d in dimensions))


def _ref(logical_id: str) -> str:
    return _canonical({"Ref": logical_id})


def _get_att(logical_id: str, attribute: str) -> str:
    return _canonical({"Fn::GetAtt": [logical_id, attribute]})


def _target(value: Any) -> str | None:
    """The logical id a Ref/GetAtt names, with SAM's `Function.Alias` references cut to the function."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"]).split(".", 1)[0]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        argument = value["Fn::GetAtt"]
        return str(argument[0] if isinstance(argument, list) else argument).split(".", 1)[0]
    return None


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def watched(alarm: dict[str, Any]) -> Iterator[MetricKey | tuple[str, str]]:
    """The metrics one alarm reads: CloudWatch metrics as keys, Metrics Insights queries as text."""
    props = alarm["Properties"]
    if "MetricName" in props:
        yield metric_key(props["Namespace"], props["MetricName"], props.get("Dimensions", []))
    for query in props.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            yield metric_key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", []))
        elif "Expression" in query:
            expression = query["Expression"]
            text = expression["Fn::Sub"] if isinstance(expression, dict) else expression
            if text.lstrip().upper().startswith("SELECT"):
                yield ("insights", text)


def _functions(resources: dict[str, Any]) -> list[str]:
    return [k for k, r in resources.items() if r["Type"] in FUNCTION_TYPES]


def _dead_letter_queues(resources: dict[str, Any]) -> set[str]:
    """Queues that receive what failed elsewhere: redrive targets and on-failure destinations."""
    queues = set()
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in props:
            queues.add(_target(props["RedrivePolicy"]["deadLetterTargetArn"]))
        invoke_config = props.get("EventInvokeConfig", {}) if resource["Type"] in FUNCTION_TYPES else props
        if resource["Type"] in (*FUNCTION_TYPES, "AWS::Lambda::EventInvokeConfig"):
            on_failure = invoke_config.get("DestinationConfig", {}).get("OnFailure", {})
            if on_failure.get("Type", "SQS") == "SQS" and "Destination" in on_failure:
                queues.add(_target(on_failure["Destination"]))
    return {q for q in queues if q and resources.get(q, {}).get("Type") == "AWS::SQS::Queue"}


def _stream_consumers(resources: dict[str, Any]) -> set[str]:
    """Functions fed by a DynamoDB or Kinesis stream, through SAM events or explicit mappings."""
    consumers = set()
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] in STREAM_EVENT_TYPES:
                    consumers.add(logical_id)
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            source = resource["Properties"].get("EventSourceArn")
            source_id = _target(source)
            is_stream = (
                isinstance(source, dict) and "Fn::GetAtt" in source and "StreamArn" in json.dumps(source)
            ) or resources.get(source_id or "", {}).get("Type") == "AWS::Kinesis::Stream"
            if is_stream or "arn:aws:dynamodb" in json.dumps(source) or ":kinesis:" in json.dumps(source):
                function = _target(resource["Properties"]["FunctionName"])
                consumers.add(function or json.dumps(resource["Properties"]["FunctionName"]))
    return consumers


def required(template: dict[str, Any]) -> dict[str, MetricKey | tuple[str, str]]:
    """Every alarm the template must have, described, as the metric (or query) it must watch."""
    resources = template["Resources"]
    needs: dict[str, MetricKey | tuple[str, str]] = {}

    def need(description: str, namespace: Any, metric: str, **dimensions: str) -> None:
        needs[description] = (
            _canonical(namespace),
            metric,
            frozenset((name, value) for name, value in dimensions.items()),
        )

    for function in _functions(resources):
        need(f"{function} errors", "AWS/Lambda", "Errors", FunctionName=_ref(function))
        need(f"{function} throttles", "AWS/Lambda", "Throttles", FunctionName=_ref(function))
    for function in _stream_consumers(resources):
        need(f"{function} stream iterator age", "AWS/Lambda", "IteratorAge", FunctionName=_ref(function))
    for queue in (k for k, r in resources.items() if r["Type"] == "AWS::SQS::Queue"):
        need(f"{queue} age of oldest message", "AWS/SQS", "ApproximateAgeOfOldestMessage",
             QueueName=_get_att(queue, "QueueName"))  # fmt: skip
    for queue in _dead_letter_queues(resources):
        need(f"{queue} depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName=_get_att(queue, "QueueName"))
    for table, resource in ((k, r) for k, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"):
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
            need(f"{table} {metric}", "AWS/DynamoDB", metric, TableName=_ref(table))
            for index in resource["Properties"].get("GlobalSecondaryIndexes", []):
                need(f"{table} {index['IndexName']} {metric}", "AWS/DynamoDB", metric,
                     TableName=_ref(table), GlobalSecondaryIndexName=index["IndexName"])  # fmt: skip
        needs[f"{table} system errors"] = ("insights", f"SystemErrors:{table}")
    for api in (k for k, r in resources.items() if r["Type"] == "AWS::AppSync::GraphQLApi"):
        need(f"{api} 5XX", "AWS/AppSync", "5XXError", GraphQLAPIId=_get_att(api, "ApiId"))
        need(f"{api} latency", "AWS/AppSync", "Latency", GraphQLAPIId=_get_att(api, "ApiId"))
    for bucket, resource in ((k, r) for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket"):
        whole = [c["Id"] for c in resource["Properties"].get("MetricsConfigurations", []) if set(c) == {"Id"}]
        filter_id = whole[0] if whole else "(no whole-bucket request metrics)"
        for metric in ("4xxErrors", "5xxErrors"):
            need(f"{bucket} {metric}", "AWS/S3", metric, BucketName=_ref(bucket), FilterId=filter_id)
    for metric, service in BUSINESS_ALARMS.items():
        need(f"business: {metric}", METRICS_NAMESPACE, metric, service=service)
    return needs


def _satisfied(need: MetricKey | tuple[str, str], seen: set[Any]) -> bool:
    if need[0] == "insights":
        metric, table = str(need[1]).split(":", 1)
        return any(
            item[0] == "insights"
            and re.search(rf"SUM\({metric}\)", str(item[1]))
            and f"TableName = '${{{table}}}'" in str(item[1])
            for item in seen
        )
    return need in seen


def missing_alarms(template: dict[str, Any]) -> list[str]:
    seen = {key for alarm in alarms(template).values() for key in watched(alarm)}
    return sorted(description for description, need in required(template).items() if not _satisfied(need, seen))
