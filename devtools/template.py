"""Read template.yaml as data, so tests and the local stack build from it instead of a second list.

``load()`` keeps CloudFormation's short-form tags as ``{"Fn::X": value}`` dicts (the long form),
which is all the tooling needs: resource types, key schemas, environment variable names.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
SCHEMA = ROOT / "graphql" / "schema.graphql"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@functools.cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open() as stream:
        loaded: dict[str, Any] = yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return loaded


def resources(kind: str, path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    """The template's resources of one CloudFormation/SAM type, by logical id."""
    return {name: res for name, res in load(path)["Resources"].items() if res["Type"] == kind}


def table_definition(logical_id: str, table_name: str | None = None) -> dict[str, Any]:
    """CreateTable arguments for a table of the template (what DynamoDB itself enforces)."""
    props = load()["Resources"][logical_id]["Properties"]
    definition: dict[str, Any] = {
        "TableName": table_name or logical_id,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in props:
        definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if "StreamSpecification" in props:
        definition["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return definition


def function_environment_names(logical_id: str) -> set[str]:
    """Names of the environment variables the template gives one function (its own plus Globals)."""
    template = load()
    own = template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    return set(own) | set(shared)
