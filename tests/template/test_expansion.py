"""template.yaml's Fn::ForEach loops expand to exactly the resources written out before them.

``data/expanded_template.json`` is the template as parsed before the loops replaced the written-out
alarms, log groups and data sources: the same logical ids with the same properties must come out.
A resource added since is added there too (with the reason in the commit), never regenerated blindly.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from devtools import template
from devtools.template import LANGUAGE_EXTENSIONS, expand_language_extensions

FROZEN = Path(__file__).with_name("data") / "expanded_template.json"
TRANSFORMS = [LANGUAGE_EXTENSIONS, "AWS::Serverless-2016-10-31"]


def _expanded(section: str, body: dict[str, Any], **extra: Any) -> Any:
    return expand_language_extensions({"Transform": TRANSFORMS, section: body, **extra})[section]


@pytest.mark.parametrize("section", ["Parameters", "Conditions", "Globals", "Resources", "Outputs"])
def test_the_template_expands_to_the_frozen_resources(section: str) -> None:
    frozen = json.loads(FROZEN.read_text())[section]
    expanded = template.load()[section]
    assert sorted(expanded) == sorted(frozen), f"{section}: logical ids differ"
    different = [name for name in frozen if expanded[name] != frozen[name]]
    assert different == [], f"{section}: these differ from the frozen copy: {different}"


def test_the_template_uses_loops_and_says_which_transforms() -> None:
    raw = template.written()
    assert raw["Transform"] == TRANSFORMS
    assert any(key.startswith("Fn::ForEach::") for key in raw["Resources"])
    assert template.load()["Transform"] == "AWS::Serverless-2016-10-31"  # what the SAM translator receives


def test_a_loop_writes_one_resource_per_item_with_the_identifier_replaced() -> None:
    body = {
        "Fn::ForEach::Logs": [
            "Name",
            ["CreateOrder", "GetOrder"],
            {
                "${Name}LogGroup": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {
                        "LogGroupName": {"Fn::Sub": "/aws/lambda/${${Name}Function}"},
                        "Tag": {"Ref": "Name"},
                    },
                }
            },
        ],
        "Other": {"Type": "AWS::SNS::Topic"},
    }
    assert _expanded("Resources", body) == {
        "CreateOrderLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${CreateOrderFunction}"}, "Tag": "CreateOrder"},
        },
        "GetOrderLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${GetOrderFunction}"}, "Tag": "GetOrder"},
        },
        "Other": {"Type": "AWS::SNS::Topic"},
    }


def test_ampersand_drops_what_a_logical_id_cannot_hold_and_loops_nest() -> None:
    body = {
        "Fn::ForEach::Tables": [
            "Table",
            ["Orders", "Albums"],
            {"Fn::ForEach::Indexes": ["Index", ["customer-id", "status"], {"${Table}&{Index}": {"Value": "${Index}"}}]},
        ]
    }
    assert _expanded("Outputs", body) == {
        "Orderscustomerid": {"Value": "customer-id"},
        "Ordersstatus": {"Value": "status"},
        "Albumscustomerid": {"Value": "customer-id"},
        "Albumsstatus": {"Value": "status"},
    }


def test_loops_inside_properties_and_conditions_expand_too() -> None:
    resources = {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Fn::ForEach::Tags": ["K", ["A", "B"], {"${K}": "x"}]}}
    }
    assert _expanded("Resources", resources) == {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"A": "x", "B": "x"}}
    }
    conditions = {"Fn::ForEach::Is": ["S", ["dev", "prod"], {"Is&{S}": {"Fn::Equals": [{"Ref": "Stage"}, "${S}"]}}]}
    assert _expanded("Conditions", conditions) == {
        "Isdev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
        "Isprod": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
    }


def test_per_item_values_come_from_mappings_and_a_literal_sub_is_written_out() -> None:
    body = {
        "Fn::ForEach::Alarms": [
            "Name",
            ["CreateOrder"],
            {
                "${Name}Alarm": {
                    "Properties": {
                        "AlarmDescription": {
                            "Fn::Sub": [
                                "${Label}: failed ${!Literal}",
                                {"Label": {"Fn::FindInMap": ["Labels", "${Name}", "Label"]}},
                            ]
                        },
                        "AlarmName": {"Fn::Sub": "ape-${Stage}-${Name}"},  # a parameter: stays for CloudFormation
                        "Mixed": {"Fn::Sub": ["${Stage}/${L}", {"L": "x"}]},  # a variable not in the map: stays
                    }
                }
            },
        ]
    }
    mappings = {"Labels": {"CreateOrder": {"Label": "createOrder"}}}
    assert _expanded("Resources", body, Mappings=mappings) == {
        "CreateOrderAlarm": {
            "Properties": {
                "AlarmDescription": "createOrder: failed ${Literal}",
                "AlarmName": {"Fn::Sub": "ape-${Stage}-CreateOrder"},
                "Mixed": {"Fn::Sub": ["${Stage}/${L}", {"L": "x"}]},
            }
        }
    }


def test_a_key_a_row_does_not_have_reads_as_the_lookups_default_value() -> None:
    # The API functions' errors alarms: only LiveResolvers says what its refusals are.
    lookup = {"Fn::FindInMap": ["Functions", "${Name}", "Refusals", {"DefaultValue": "refusals"}]}
    names = ["GetOrder", "LiveResolvers", "Unlisted"]
    body = {"Fn::ForEach::A": ["Name", names, {"${Name}Alarm": {"Properties": {"R": lookup}}}]}
    mappings = {"Functions": {"GetOrder": {"Label": "getOrder"}, "LiveResolvers": {"Refusals": "refused"}}}
    assert _expanded("Resources", body, Mappings=mappings) == {
        "GetOrderAlarm": {"Properties": {"R": "refusals"}},
        "LiveResolversAlarm": {"Properties": {"R": "refused"}},
        "UnlistedAlarm": {"Properties": {"R": "refusals"}},  # no row at all: the default too (as CloudFormation)
    }


def test_a_mapping_row_can_name_the_resource_an_attribute_is_read_from() -> None:
    # The Resolvers loop: the row gives the field and the data source, GetAtt reads the source's Name.
    body = {
        "Fn::ForEach::Resolvers": [
            "Resolver",
            ["QueryGetOrder"],
            {
                "${Resolver}Resolver": {
                    "Properties": {
                        "FieldName": {"Fn::FindInMap": ["Resolvers", {"Ref": "Resolver"}, "Field"]},
                        "DataSourceName": {
                            "Fn::GetAtt": [{"Fn::FindInMap": ["Resolvers", {"Ref": "Resolver"}, "DataSource"]}, "Name"]
                        },
                    }
                }
            },
        ]
    }
    mappings = {"Resolvers": {"QueryGetOrder": {"Field": "getOrder", "DataSource": "GetOrderDataSource"}}}
    assert _expanded("Resources", body, Mappings=mappings) == {
        "QueryGetOrderResolver": {
            "Properties": {"FieldName": "getOrder", "DataSourceName": {"Fn::GetAtt": ["GetOrderDataSource", "Name"]}}
        }
    }


def test_a_loop_that_writes_an_existing_logical_id_is_refused() -> None:
    body = {
        "ATopic": {"Type": "AWS::SNS::Topic"},
        "Fn::ForEach::T": ["N", ["A"], {"${N}Topic": {"Type": "AWS::SNS::Topic"}}],
    }
    with pytest.raises(ValueError, match="ATopic"):
        _expanded("Resources", body)
    with pytest.raises(ValueError, match="expected"):
        _expanded("Resources", {"Fn::ForEach::T": ["N", ["A"]]})


def test_a_template_without_the_transform_is_left_alone() -> None:
    plain = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn::ForEach::X": ["N", ["A"], {"${N}": {}}]}}
    assert expand_language_extensions(plain) == plain


def test_every_environment_lets_sam_expand_the_loops() -> None:
    # SAM CLI 1.170 expands AWS::LanguageExtensions locally only when asked; `sam build` fails without.
    config = tomllib.loads((template.ROOT / "samconfig.toml").read_text())
    for environment in ("default", "staging", "prod"):
        assert config[environment]["global"]["parameters"]["language_extensions"] is True, environment
