"""What CloudFormation deploys is the same whatever shape template.yaml takes.

``data/translated_template.json`` is the SAM translation of template.yaml (what ``sam deploy`` hands
CloudFormation: Fn::ForEach loops expanded, Globals merged into every function, events turned into
mappings and permissions), frozen when the template was shortened (issue 18). A rewrite of the
template that means the same (a loop instead of resources written out, a Global instead of the same
property on every function, checkov's reasons moved to .checkov.yaml) must translate to exactly it.
Left out: a resource's ``Metadata.checkov`` (what checkov skips; it deploys nothing) and the
``Mappings`` section (lookup tables for the loops: what they yield is compared where it is used).
``DependsOn`` is compared as a set: the translator writes the S3 permissions it makes the bucket
depend on in set order, which changes from run to run, and CloudFormation reads no order into it.
A change that does deploy something different regenerates the file (docs/TEMPLATE.md) in its commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools.local_stack.cloudformation import translated_template

FROZEN = Path(__file__).with_name("data") / "translated_template.json"


def deployed(template: dict[str, Any]) -> dict[str, Any]:
    """What deploys: no checkov skips (nor Metadata left empty), no Mappings, DependsOn sorted."""
    resources = {}
    for name, resource in template["Resources"].items():
        metadata = {key: value for key, value in resource.get("Metadata", {}).items() if key != "checkov"}
        kept = {key: value for key, value in resource.items() if key != "Metadata"}
        if isinstance(kept.get("DependsOn"), list):
            kept["DependsOn"] = sorted(kept["DependsOn"])
        resources[name] = {**kept, "Metadata": metadata} if metadata else kept
    return {**{key: value for key, value in template.items() if key != "Mappings"}, "Resources": resources}


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return deployed(translated_template())


def test_the_translated_template_has_the_frozen_sections(translated: dict[str, Any]) -> None:
    frozen = json.loads(FROZEN.read_text())
    assert sorted(translated) == sorted(frozen)
    for section in frozen:
        if section != "Resources":
            assert translated[section] == frozen[section], f"{section} differs from the frozen copy"


def test_the_translated_template_deploys_the_frozen_resources(translated: dict[str, Any]) -> None:
    frozen = json.loads(FROZEN.read_text())["Resources"]
    resources = translated["Resources"]
    assert sorted(resources) == sorted(frozen), "logical ids differ"
    different = [name for name in frozen if resources[name] != frozen[name]]
    assert different == [], f"these resources differ from the frozen copy: {different}"


def test_only_what_deploys_nothing_is_left_out() -> None:
    resource = {"Type": "T", "Metadata": {"checkov": {"skip": []}, "BuildMethod": "makefile"}, "Properties": {}}
    assert deployed({"Resources": {"R": resource}})["Resources"]["R"] == {
        "Type": "T",
        "Metadata": {"BuildMethod": "makefile"},
        "Properties": {},
    }
    only_checkov = {"Type": "T", "Metadata": {"checkov": {"skip": []}}, "DependsOn": ["B", "A"]}
    assert deployed({"Mappings": {}, "Resources": {"R": only_checkov}}) == {
        "Resources": {"R": {"Type": "T", "DependsOn": ["A", "B"]}}
    }
