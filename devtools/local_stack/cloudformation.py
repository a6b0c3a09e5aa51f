"""template.yaml as plain CloudFormation, and its intrinsic functions resolved against local resources.

The SAM translator (the same code ``sam deploy`` runs) turns the template into CloudFormation:
Globals merged into every function, SQS events into ``AWS::Lambda::EventSourceMapping``, S3 events
into the bucket's ``NotificationConfiguration``. Everything local is built from that output, so
there is no second list of resources to keep in step with the template.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools import template as template_module
from devtools.template import ROOT, TEMPLATE

CACHE_DIR = ROOT / ".local"
LOCAL_CODE_PREFIX = "s3://local-code/"
ACCOUNT_ID = "123456789012"  # moto's account
NO_VALUE = object()  # AWS::NoValue: the key or item is dropped


class TemplateError(RuntimeError):
    """The template uses something the local stack cannot resolve."""


def _sam_python() -> Path:
    configured = os.environ.get("LOCAL_STACK_SAM_PYTHON")
    candidate = Path(configured) if configured else ROOT / ".venv-sam" / "bin" / "python"
    if not candidate.exists():
        raise TemplateError(f"no SAM translator: {candidate} is missing (run `make install`)")
    return candidate


def translated_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The translated template, cached by content: an unchanged template costs no translation.

    The translator reads the template through ``devtools.template.load()``, which expands its
    ``Fn::ForEach`` loops first (docs/TEMPLATE.md), so the expander's code is part of the key too.
    """
    translator = Path(__file__).with_name("sam_translate.py")
    expander = Path(template_module.__file__)
    digest = hashlib.sha256(path.read_bytes() + translator.read_bytes() + expander.read_bytes()).hexdigest()[:20]
    cache = CACHE_DIR / f"template.{digest}.json"
    if cache.exists():
        cached: dict[str, Any] = json.loads(cache.read_text())
        return cached
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(_sam_python()), str(translator), str(path)], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise TemplateError(f"SAM translation failed:\n{completed.stderr.strip()}")
    CACHE_DIR.mkdir(exist_ok=True)
    for stale in CACHE_DIR.glob("template.*.json"):
        stale.unlink(missing_ok=True)
    temporary = cache.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(completed.stdout)
    temporary.replace(cache)
    translated: dict[str, Any] = json.loads(completed.stdout)
    return translated


def local_path(s3_location: dict[str, Any] | str) -> Path:
    """The local folder behind a translated ``Code``/``Content`` location (see sam_translate.py)."""
    key = s3_location.get("S3Key", "") if isinstance(s3_location, dict) else s3_location.removeprefix(LOCAL_CODE_PREFIX)
    return (ROOT / key).resolve()


@dataclass
class PhysicalResource:
    """What ``Ref`` and ``Fn::GetAtt`` give for one resource."""

    ref: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Intrinsics:
    """Resolves Ref, GetAtt, Sub, If, Join, Select, Split, conditions and pseudo parameters.

    Resources the local stack creates register their physical ids; the others (roles, log groups,
    AppSync objects) get stable synthetic names and ARNs, which is all that refers to them needs.
    """

    template: dict[str, Any]
    region: str
    stack_name: str
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    physical: dict[str, PhysicalResource] = field(default_factory=dict)
    synthetic: Callable[[str, dict[str, Any]], PhysicalResource] | None = None

    def __post_init__(self) -> None:
        self.parameters = {
            name: str(self.parameter_overrides.get(name, spec.get("Default", "")))
            for name, spec in self.template.get("Parameters", {}).items()
        }
        self.pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
        }
        self._conditions: dict[str, bool] = {}

    # ---- conditions ----------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = self._truth(self.template.get("Conditions", {})[name])
        return self._conditions[name]

    def _truth(self, expression: Any) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            (function, argument), *_ = expression.items()
            if function == "Fn::Equals":
                left, right = (self.resolve(value) for value in argument)
                return str(left) == str(right)
            if function == "Fn::Not":
                return not self._truth(argument[0])
            if function == "Fn::And":
                return all(self._truth(item) for item in argument)
            if function == "Fn::Or":
                return any(self._truth(item) for item in argument)
            if function == "Condition":
                return self.condition(argument)
        raise TemplateError(f"unsupported condition: {expression!r}")

    def resource_enabled(self, resource: dict[str, Any]) -> bool:
        return "Condition" not in resource or self.condition(resource["Condition"])

    # ---- values ------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key.startswith("Fn::") or key == "Condition":
                return self._function(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _function(self, name: str, argument: Any) -> Any:  # noqa: PLR0911 - one case per function
        match name:
            case "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, self.resolve(attribute))
            case "Fn::Sub":
                return self._sub(argument)
            case "Fn::If":
                condition, when_true, when_false = argument
                return self.resolve(when_true if self.condition(condition) else when_false)
            case "Fn::Join":
                delimiter, items = argument
                return str(delimiter).join(str(item) for item in self.resolve(items))
            case "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            case "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(delimiter)
            case "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition":
                return self._truth({name: argument})
            case "Fn::GetAZs":
                return [f"{self.region}{zone}" for zone in "abc"]
        raise TemplateError(f"unsupported intrinsic function {name}")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {key: self.resolve(value) for key, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                logical_id, attribute = expression.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(expression))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self._physical(name).ref

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._physical(logical_id)
        if attribute not in resource.attributes:
            raise TemplateError(f"{logical_id} has no attribute {attribute} locally")
        return resource.attributes[attribute]

    def _physical(self, logical_id: str) -> PhysicalResource:
        if logical_id in self.physical:
            return self.physical[logical_id]
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            raise TemplateError(f"unknown resource or parameter {logical_id!r}")
        if resource["Type"] in FUNCTION_QUALIFIERS:
            self.physical[logical_id] = self._qualifier(resource)
            return self.physical[logical_id]
        if self.synthetic is None:
            raise TemplateError(f"{logical_id} is referenced before it exists")
        self.physical[logical_id] = self.synthetic(logical_id, resource)
        return self.physical[logical_id]

    def _qualifier(self, resource: dict[str, Any]) -> PhysicalResource:
        """An alias or version of a function is the function itself locally: there is one
        version, the code on disk, so AppSync, S3 and queue mappings that name the alias (as
        AutoPublishAlias makes them) reach the function."""
        function_arn = self.get_att(function_id(self.template, resource["Properties"]["FunctionName"]), "Arn")
        return PhysicalResource(ref=function_arn, attributes={"AliasArn": function_arn, "Version": "$LATEST"})


FUNCTION_QUALIFIERS = ("AWS::Lambda::Alias", "AWS::Lambda::Version")


def function_id(template: dict[str, Any], value: Any) -> str:
    """The logical id of the function a ``FunctionName``/``Function`` value names: a Ref or GetAtt
    of the function, or of one of its aliases or versions."""
    if isinstance(value, dict) and "Ref" in value:
        logical_id = value["Ref"]
    elif isinstance(value, dict) and "Fn::GetAtt" in value:
        argument = value["Fn::GetAtt"]
        logical_id = argument[0] if isinstance(argument, list) else argument.split(".", 1)[0]
    else:
        raise TemplateError(f"cannot tell which function {value!r} names")
    resource = template["Resources"].get(logical_id)
    if resource is None:
        raise TemplateError(f"unknown function {logical_id!r}")
    if resource["Type"] in FUNCTION_QUALIFIERS:
        return function_id(template, resource["Properties"]["FunctionName"])
    if resource["Type"] != "AWS::Lambda::Function":
        raise TemplateError(f"{logical_id} is not a function")
    return str(logical_id)


def references(value: Any) -> set[str]:
    """Logical ids (and parameters) a piece of the template refers to: the dependency graph."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".", 1)[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {match.split(".", 1)[0] for match in re.findall(r"\$\{([^}!][^}]*)\}", text)}
                if not isinstance(item, str):
                    found |= references(item[1])
            else:
                found |= references(item)
    return found
