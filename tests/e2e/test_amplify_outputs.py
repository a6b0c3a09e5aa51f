"""amplify_outputs.json: generated from the schema and the stack, for a deployed stack and the local one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, build_schema

from devtools.amplify_outputs import amplify_outputs, deployed_stack, model_introspection
from devtools.local_stack.scalars import PRELUDE
from devtools.template import SCHEMA
from tests.e2e.conftest import ROOT, Stack

RECORDED = Path(__file__).with_name("data") / "describe_stacks_dev.json"


def test_every_operation_enum_and_returned_type_of_the_schema_is_described() -> None:
    schema = build_schema(PRELUDE + SCHEMA.read_text())
    introspection = model_introspection(SCHEMA.read_text())
    assert introspection["version"] == 1
    assert introspection["models"] == {}
    for root, kind in ((schema.query_type, "queries"), (schema.mutation_type, "mutations")):
        assert root is not None
        assert set(introspection[kind]) == set(root.fields)
        for name, field in root.fields.items():
            assert set(introspection[kind][name].get("arguments", {})) == set(field.args)
    assert set(introspection["subscriptions"]) == set(
        schema.subscription_type.fields if schema.subscription_type else ()
    )
    enums = {name: list(t.values) for name, t in schema.type_map.items() if isinstance(t, GraphQLEnumType)}
    assert {name: enum["values"] for name, enum in introspection["enums"].items()} == {
        name: values for name, values in enums.items() if not name.startswith("__")
    }
    for name, non_model in introspection["nonModels"].items():
        graphql_type = schema.type_map[name]
        assert isinstance(graphql_type, GraphQLObjectType)
        assert set(non_model["fields"]) == set(graphql_type.fields)


def test_arguments_and_return_types_use_amplifys_shapes() -> None:
    text = """
    enum Colour { RED BLUE }
    input PaintInput { colour: Colour! }
    type Paint { colour: Colour!, tags: [String], shades: [Int!]! }
    type Query { paint(id: ID!, colours: [Colour!], inputs: [PaintInput!]!): Paint, names: [String!]! }
    """
    introspection = model_introspection(text)
    paint = introspection["queries"]["paint"]
    assert paint["type"] == {"nonModel": "Paint"}
    assert (paint["isArray"], paint["isRequired"]) == (False, False)
    assert paint["arguments"]["id"] == {"name": "id", "isArray": False, "type": "ID", "isRequired": True}
    # For lists, isRequired is about the elements and isArrayNullable about the list.
    assert paint["arguments"]["colours"] == {
        "name": "colours",
        "isArray": True,
        "type": {"enum": "Colour"},
        "isRequired": True,
        "isArrayNullable": True,
    }
    assert paint["arguments"]["inputs"]["type"] == {"input": "PaintInput"}
    assert paint["arguments"]["inputs"]["isArrayNullable"] is False
    names = introspection["queries"]["names"]
    assert (names["type"], names["isArray"], names["isRequired"], names["isArrayNullable"]) == (
        "String",
        True,
        True,
        False,
    )
    fields = introspection["nonModels"]["Paint"]["fields"]
    assert fields["tags"] == {
        "name": "tags",
        "isArray": True,
        "type": "String",
        "isRequired": False,
        "isArrayNullable": True,
        "attributes": [],
    }
    assert introspection["enums"] == {"Colour": {"name": "Colour", "values": ["RED", "BLUE"]}}


def test_an_items_field_inside_a_connections_elements_is_described_by_its_written_selection() -> None:
    # Amplify's selection builder would keep only `items { items { ... } }` of a listed order
    # (SPEC 11); the element's `items` is described as a scalar named by its whole selection.
    text = """
    type Line { sku: String!, note: Note }
    type Note { text: String }
    type Basket { basketId: ID!, items: [Line!]! }
    type BasketConnection { items: [Basket!]!, nextToken: String }
    type Query { listBaskets: BasketConnection!, getBasket(basketId: ID!): Basket }
    """
    non_models = model_introspection(text)["nonModels"]
    described = non_models["Basket"]["fields"]["items"]
    assert described["name"] == "items { sku note { text } }"
    assert (described["type"], described["isArray"], described["isRequired"]) == ("String", True, True)
    # The connection's own `items` and every other field keep their plain description.
    assert non_models["BasketConnection"]["fields"]["items"]["type"] == {"nonModel": "Basket"}
    assert non_models["Line"]["fields"]["note"]["type"] == {"nonModel": "Note"}
    order_items = model_introspection(SCHEMA.read_text())["nonModels"]["Order"]["fields"]["items"]
    assert order_items["name"].startswith("items { sku quantity unitPrice lineTotal ")


def test_an_items_field_of_any_object_that_is_not_a_connection_is_described_by_its_selection() -> None:
    # Amplify reads any nested object with `items` as a connection: the owner's figures
    # (Stats.days[].items) lost every other field of the day and the booth app's admin page broke.
    non_models = model_introspection(SCHEMA.read_text())["nonModels"]
    day_items = non_models["DayStats"]["fields"]["items"]
    assert (day_items["name"], day_items["type"]) == ("items { sku quantity }", "String")
    assert non_models["DayStats"]["fields"]["revenue"]["type"] == {"nonModel": "Money"}
    assert non_models["OrderConnection"]["fields"]["items"]["type"] == {"nonModel": "Order"}


def test_make_outputs_writes_the_file_of_a_deployed_stack_from_its_recorded_outputs(tmp_path: Path) -> None:
    out = tmp_path / "amplify_outputs.json"
    result = subprocess.run(
        ["make", "--no-print-directory", "outputs", "ENV=dev", f"OUT={out}", f"DESCRIBE_STACKS={RECORDED}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    written = json.loads(out.read_text())
    assert written["version"].startswith("1")
    assert written["auth"]["user_pool_id"] == "us-east-1_AbCdEfGhI"
    assert written["auth"]["user_pool_client_id"] == "5ab1cdefgh2ijklmno3pqrstu4"
    assert written["auth"]["identity_pool_id"] == "us-east-1:7d3e1f4a-52b8-4c0d-9e6f-a1b2c3d4e5f6"
    assert written["auth"]["unauthenticated_identities_enabled"] is True
    assert written["auth"]["username_attributes"] == ["email"]
    assert written["auth"]["groups"] == [{"admins": {"precedence": 0}}]
    assert written["data"]["url"].endswith(".appsync-api.us-east-1.amazonaws.com/graphql")
    assert written["data"]["default_authorization_type"] == "AMAZON_COGNITO_USER_POOLS"
    assert written["data"]["authorization_types"] == ["AWS_IAM"]
    assert written["data"]["model_introspection"] == model_introspection(SCHEMA.read_text())
    assert written["storage"] == {
        "aws_region": "us-east-1",
        "bucket_name": "apemoments-dev-media-123456789012-us-east-1",
    }
    assert "custom" not in written  # a deployed stack needs no endpoint overrides


def test_make_outputs_refuses_an_answer_for_another_stack_or_a_missing_output(tmp_path: Path) -> None:
    answer = json.loads(RECORDED.read_text())
    answer["Stacks"][0]["Outputs"] = [o for o in answer["Stacks"][0]["Outputs"] if o["OutputKey"] != "UserPoolId"]
    broken = tmp_path / "answer.json"
    broken.write_text(json.dumps(answer))
    out = tmp_path / "amplify_outputs.json"
    for env, recorded, reason in (("prod", RECORDED, "not ape-moments-prod"), ("dev", broken, "lack UserPoolId")):
        result = subprocess.run(
            ["make", "--no-print-directory", "outputs", f"ENV={env}", f"OUT={out}", f"DESCRIBE_STACKS={recorded}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode != 0
        assert reason in result.stderr
        assert not out.exists()


def test_samconfig_environments_name_their_stacks() -> None:
    assert deployed_stack("dev") == ("ape-moments-dev", "us-east-1")
    assert deployed_stack("prod")[0] == "ape-moments-prod"
    with pytest.raises(ValueError, match="no environment"):
        deployed_stack("qa")


def test_the_outputs_need_every_stack_output() -> None:
    with pytest.raises(ValueError, match="GraphQLUrl"):
        amplify_outputs({"UserPoolId": "p"}, "us-east-1")


@pytest.mark.e2e
def test_the_local_stack_writes_its_outputs_with_the_local_endpoints(stack: Stack) -> None:
    written = json.loads(stack.amplify_outputs.read_text())
    assert written["data"]["url"] == stack.graphql_url
    assert written["auth"]["user_pool_id"] == stack.user_pool_id
    assert written["auth"]["user_pool_client_id"] == stack.client_id
    assert written["auth"]["identity_pool_id"] == stack.identity_pool_id
    assert written["storage"]["bucket_name"] == stack.bucket
    assert written["custom"]["local"]["userPoolEndpoint"] == stack.aws_endpoint
    assert written["custom"]["local"]["identityPoolEndpoint"] == stack.aws_endpoint
    assert written["data"]["model_introspection"] == model_introspection(SCHEMA.read_text())
