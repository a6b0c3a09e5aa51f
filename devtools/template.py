"""Read template.yaml as data, so tests and the local stack build from it instead of a second list.

``load()`` keeps CloudFormation's short-form tags as ``{"Fn::X": value}`` dicts (the long form),
which is all the tooling needs: resource types, key schemas, environment variable names. It returns
the template as ``AWS::LanguageExtensions`` leaves it (``expand_language_extensions``): the
``Fn::ForEach`` loops written out, so every reader (the local stack, the bench, the tests) sees each
generated resource under its own logical id, as CloudFormation does.
"""

from __future__ import annotations

import functools
import json
import re
import sys
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


LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
_FOR_EACH = "Fn::ForEach::"
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def _looked_up(mappings: dict[str, Any], args: list[Any]) -> Any:
    """``Fn::FindInMap``'s value, or its ``{"DefaultValue": ...}`` when the map, row or key is missing."""
    try:
        return mappings[args[0]][args[1]][args[2]]
    except KeyError:
        if len(args) == 4 and isinstance(args[3], dict) and "DefaultValue" in args[3]:
            return args[3]["DefaultValue"]
        raise


def expand_language_extensions(template: dict[str, Any]) -> dict[str, Any]:
    """The template as the ``AWS::LanguageExtensions`` transform hands it on (a new dict).

    What this repository's template uses of the transform, with its semantics (the AWS reference
    and SAM CLI's ``cfn_language_extensions``): ``Fn::ForEach::Name: [Identifier, [items], body]``
    in Conditions, Resources (also inside a resource's Properties) and Outputs, nested loops
    included; in each copy of the body ``${Identifier}`` becomes the item, ``&{Identifier}`` the
    item without its non-alphanumeric characters, and ``{"Ref": Identifier}`` the item. In each copy
    the transform then resolves what needs nothing deployed: ``Fn::FindInMap`` with literal
    arguments (its ``{"DefaultValue": ...}`` when the map, row or key is missing), and an ``Fn::Sub`` whose
    every variable is literal (its own map's, or none left) is written out (``${!x}`` stays
    ``${x}``); so ``{"Ref": {"Fn::Sub": "${Name}Table"}}`` becomes ``{"Ref": "OrdersTable"}``.
    Everything outside the loops is left as written. A template without the transform is returned
    unchanged (a copy).
    """
    transforms = template.get("Transform", [])
    transforms = [transforms] if isinstance(transforms, str) else list(transforms)
    if LANGUAGE_EXTENSIONS not in transforms:
        return dict(template)
    mappings = template.get("Mappings", {})

    def substitute(node: Any, identifier: str, item: str) -> Any:
        if isinstance(node, str):
            return node.replace(f"${{{identifier}}}", item).replace(
                f"&{{{identifier}}}", re.sub(r"[^A-Za-z0-9]", "", item)
            )
        if isinstance(node, dict):
            if node == {"Ref": identifier}:
                return item
            return {substitute(k, identifier, item): substitute(v, identifier, item) for k, v in node.items()}
        if isinstance(node, list):
            return [substitute(value, identifier, item) for value in node]
        return node

    def loops(section: dict[str, Any], in_resources: bool) -> dict[str, Any]:
        expanded: dict[str, Any] = {}
        for key, value in section.items():
            if key.startswith(_FOR_EACH):
                if not (isinstance(value, list) and len(value) == 3 and isinstance(value[2], dict)):
                    raise ValueError(f"{key}: expected [Identifier, [items], body]")
                identifier, items, body = value
                if not isinstance(items, list) or not all(isinstance(i, str | int | float) for i in items):
                    raise ValueError(f"{key}: the collection must be a list of literal values")
                produced: dict[str, Any] = {}
                for item in items:
                    text = str(item).lower() if isinstance(item, bool) else str(item)
                    copy = resolve(loops(substitute(body, identifier, text), in_resources))
                    if clash := produced.keys() & copy.keys():
                        raise ValueError(f"{key} produces {sorted(clash)} twice")
                    produced.update(copy)
                entries = produced
            elif in_resources and isinstance(value, dict) and isinstance(value.get("Properties"), dict):
                entries = {key: {**value, "Properties": loops(value["Properties"], in_resources=False)}}
            else:
                entries = {key: value}
            if clash := expanded.keys() & entries.keys():
                raise ValueError(f"{sorted(clash)} defined twice (a loop's output collides)")
            expanded.update(entries)
        return expanded

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [resolve(value) for value in node]
        if not isinstance(node, dict):
            return node
        node = {key: resolve(value) for key, value in node.items()}
        if len(node) != 1:
            return node
        ((function, args),) = node.items()
        if function == "Fn::FindInMap" and isinstance(args, list) and all(isinstance(a, str) for a in args[:3]):
            return _looked_up(mappings, args)
        if function == "Fn::Sub":
            text, variables = (args, {}) if isinstance(args, str) else [*args, {}][:2]
            literal = isinstance(text, str) and all(isinstance(v, str) for v in variables.values())
            if literal and all(name in variables for name in _SUB_VARIABLE.findall(text)):
                return _SUB_VARIABLE.sub(lambda m: variables[m.group(1)], text).replace("${!", "${")
        return node

    result = {key: value for key, value in template.items() if key != "Transform"}
    remaining = [t for t in transforms if t != LANGUAGE_EXTENSIONS]
    if remaining:
        result["Transform"] = remaining[0] if len(remaining) == 1 else remaining
    for section in ("Conditions", "Resources", "Outputs"):
        if section in template:
            result[section] = loops(template[section], in_resources=section == "Resources")
    return result


def written(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as the file has it, loops unexpanded (what cfn-lint, SAM and checkov read)."""
    with path.open() as stream:
        loaded: dict[str, Any] = yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return loaded


@functools.cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as data, ``Fn::ForEach`` loops expanded (what CloudFormation deploys)."""
    return expand_language_extensions(written(path))


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


def write_expanded(out: Path, path: Path = TEMPLATE) -> Path:
    """The expanded template as JSON, for the tools that do not expand ``Fn::ForEach`` (checkov)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(load(path), indent=1) + "\n")
    return out


if __name__ == "__main__":  # `python -m devtools.template OUT`: what `make lint` hands checkov
    write_expanded(Path(sys.argv[1]))
