"""``amplify_outputs.json`` (schema version 1) for a frontend: Amplify configures itself from it.

``data.model_introspection`` is generated from ``graphql/schema.graphql``: every query, mutation and
subscription with its arguments, return type, enums and the object types they return, so that
``client.queries.*``, ``client.mutations.*``, ``client.subscriptions.*`` and ``client.enums.*`` exist.
The rest comes from the stack: its CloudFormation outputs (a deployed stack) or the local stack's
description. The local stack's endpoints go into ``custom.local``; Amplify has no field for them,
so a frontend sets them after parsing (README, "Frontend (Amplify)").

python -m devtools.amplify_outputs --env dev [--out amplify_outputs.json] [--describe-stacks answer.json]
(`make outputs ENV=dev`): the stack of samconfig.toml's environment, read with
`aws cloudformation describe-stacks`, or from a saved answer of it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)

from devtools.local_stack.scalars import PRELUDE
from devtools.template import ROOT, SCHEMA, load

SAMCONFIG = ROOT / "samconfig.toml"

OUTPUTS_VERSION = "1.4"
# The stack's outputs that the file needs (template.yaml's Outputs section).
REQUIRED_OUTPUTS = ("GraphQLUrl", "UserPoolId", "UserPoolClientId", "IdentityPoolId", "MediaBucketName")


# ---- model introspection ---------------------------------------------------------------------------


def _unwrap(graphql_type: GraphQLOutputType | GraphQLInputType) -> tuple[Any, bool, bool, bool]:
    """(named type, is list, element required, list nullable) of a field or argument type."""
    list_nullable = True
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type, list_nullable = graphql_type.of_type, False
    if isinstance(graphql_type, GraphQLList):
        element = graphql_type.of_type
        required = isinstance(element, GraphQLNonNull)
        named = element.of_type if required else element
        return named, True, required, list_nullable
    return graphql_type, False, not list_nullable, False


def _type_reference(named: Any) -> str | dict[str, str]:
    if isinstance(named, GraphQLScalarType):
        return named.name
    if isinstance(named, GraphQLEnumType):
        return {"enum": named.name}
    if isinstance(named, GraphQLInputObjectType):
        return {"input": named.name}
    if isinstance(named, GraphQLObjectType):
        return {"nonModel": named.name}
    raise ValueError(f"{named} (interfaces and unions) cannot be described to Amplify")


def _described(name: str, graphql_type: GraphQLOutputType | GraphQLInputType) -> dict[str, Any]:
    named, is_array, is_required, list_nullable = _unwrap(graphql_type)
    described: dict[str, Any] = {
        "name": name,
        "isArray": is_array,
        "type": _type_reference(named),
        "isRequired": is_required,  # for a list: its elements
    }
    if is_array:
        described["isArrayNullable"] = list_nullable
    return described


def _operation(name: str, field: GraphQLField) -> dict[str, Any]:
    operation = _described(name, field.type)
    if field.args:
        operation["arguments"] = {
            argument_name: _described(argument_name, argument.type) for argument_name, argument in field.args.items()
        }
    return operation


def _object_types_reached(schema: GraphQLSchema) -> list[GraphQLObjectType]:
    """Every object type an operation returns, directly or through fields, in schema order."""
    reached: dict[str, GraphQLObjectType] = {}

    def visit(graphql_type: Any) -> None:
        named, *_ = _unwrap(graphql_type)
        if isinstance(named, GraphQLObjectType) and named.name not in reached:
            reached[named.name] = named
            for field in named.fields.values():
                visit(field.type)

    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        for field in root.fields.values() if root else ():
            visit(field.type)
    return [reached[name] for name in schema.type_map if name in reached]


def _selection(graphql_type: GraphQLObjectType) -> str:
    """Every field of an object type, nested objects with all of theirs: a written selection."""
    parts = []
    for name, field in graphql_type.fields.items():
        named, *_ = _unwrap(field.type)
        parts.append(f"{name} {{ {_selection(named)} }}" if isinstance(named, GraphQLObjectType) else name)
    return " ".join(parts)


def _is_connection(graphql_type: GraphQLObjectType) -> bool:
    """A connection holds its ``items`` and a ``nextToken``, nothing else (OrderConnection)."""
    return set(graphql_type.fields) <= {"items", "nextToken"}


def _non_model_field(graphql_type: GraphQLObjectType, field_name: str, field: GraphQLField) -> dict[str, Any]:
    described = {**_described(field_name, field.type), "attributes": []}
    named, *_ = _unwrap(field.type)
    if field_name == "items" and not _is_connection(graphql_type) and isinstance(named, GraphQLObjectType):
        # Amplify's selection builder (data-schema's selectionSetIRToString) reads any nested object
        # with an `items` key as a model connection and keeps only `items { ... }`, dropping the
        # object's other fields (Order.items inside OrderConnection.items; DayStats.items inside
        # Stats.days). Amplify writes a field of a scalar type by its name alone, so such a field of
        # a type that is not itself a connection is described as a scalar whose name is its written
        # selection: every client selection then holds the whole object. The schema is unchanged.
        described["name"] = f"items {{ {_selection(named)} }}"
        described["type"] = "String"
    return described


def model_introspection(schema_text: str) -> dict[str, Any]:
    """Amplify's model introspection (version 1) of an AppSync schema: no models (nothing here is
    an Amplify @model), its object types as non-models, its enums and its operations."""
    schema = build_schema(PRELUDE + schema_text)

    def operations(root: GraphQLObjectType | None) -> dict[str, Any]:
        return {name: _operation(name, field) for name, field in (root.fields.items() if root else ())}

    enums = {
        name: {"name": name, "values": list(graphql_type.values)}
        for name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLEnumType) and not name.startswith("__")
    }
    object_types = _object_types_reached(schema)
    non_models = {
        graphql_type.name: {
            "name": graphql_type.name,
            "fields": {
                field_name: _non_model_field(graphql_type, field_name, field)
                for field_name, field in graphql_type.fields.items()
            },
        }
        for graphql_type in object_types
    }
    return {
        "version": 1,
        "models": {},
        "enums": enums,
        "nonModels": non_models,
        "queries": operations(schema.query_type),
        "mutations": operations(schema.mutation_type),
        "subscriptions": operations(schema.subscription_type),
    }


# ---- the whole file -------------------------------------------------------------------------------


def _auth_settings(template: dict[str, Any]) -> dict[str, Any]:
    """What the template says about sign-in: username attributes, password policy, groups, guests."""
    resources = template["Resources"]

    def of_type(kind: str) -> list[dict[str, Any]]:
        return [resource.get("Properties", {}) for resource in resources.values() if resource["Type"] == kind]

    pool = next(iter(of_type("AWS::Cognito::UserPool")), {})
    identity_pool = next(iter(of_type("AWS::Cognito::IdentityPool")), {})
    policy = pool.get("Policies", {}).get("PasswordPolicy", {})
    return {
        "username_attributes": pool.get("UsernameAttributes", []),
        "standard_required_attributes": [
            attribute["Name"] for attribute in pool.get("Schema", []) if attribute.get("Required")
        ],
        "user_verification_types": pool.get("AutoVerifiedAttributes", []),
        "unauthenticated_identities_enabled": bool(identity_pool.get("AllowUnauthenticatedIdentities", False)),
        "mfa_configuration": "NONE" if pool.get("MfaConfiguration", "OFF") == "OFF" else pool["MfaConfiguration"],
        "mfa_methods": [],
        "password_policy": {
            "min_length": policy.get("MinimumLength", 8),
            "require_lowercase": policy.get("RequireLowercase", False),
            "require_uppercase": policy.get("RequireUppercase", False),
            "require_numbers": policy.get("RequireNumbers", False),
            "require_symbols": policy.get("RequireSymbols", False),
        },
        "groups": [
            {group["GroupName"]: {"precedence": group.get("Precedence", index)}}
            for index, group in enumerate(of_type("AWS::Cognito::UserPoolGroup"))
        ],
    }


def _api_modes(template: dict[str, Any]) -> tuple[str, list[str]]:
    api = next(
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::AppSync::GraphQLApi"
    )
    extra = [provider["AuthenticationType"] for provider in api.get("AdditionalAuthenticationProviders", [])]
    return api["AuthenticationType"], extra


def amplify_outputs(
    stack_outputs: dict[str, str],
    region: str,
    *,
    template: dict[str, Any] | None = None,
    schema_text: str | None = None,
    custom: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The file's content from a stack's outputs (``REQUIRED_OUTPUTS``), the template and the schema."""
    missing = [name for name in REQUIRED_OUTPUTS if not stack_outputs.get(name)]
    if missing:
        raise ValueError(f"the stack's outputs lack {', '.join(missing)}")
    template = template if template is not None else load()
    default_mode, extra_modes = _api_modes(template)
    outputs: dict[str, Any] = {
        "version": OUTPUTS_VERSION,
        "auth": {
            "aws_region": region,
            "user_pool_id": stack_outputs["UserPoolId"],
            "user_pool_client_id": stack_outputs["UserPoolClientId"],
            "identity_pool_id": stack_outputs["IdentityPoolId"],
            **_auth_settings(template),
        },
        "data": {
            "aws_region": region,
            "url": stack_outputs["GraphQLUrl"],
            "default_authorization_type": default_mode,
            "authorization_types": extra_modes,
            "model_introspection": model_introspection(schema_text or SCHEMA.read_text()),
        },
        "storage": {"aws_region": region, "bucket_name": stack_outputs["MediaBucketName"]},
    }
    if custom:
        outputs["custom"] = custom
    return outputs


def outputs_from_describe_stacks(answer: dict[str, Any]) -> tuple[dict[str, str], str]:
    """(outputs by key, region) from ``aws cloudformation describe-stacks --output json``."""
    stacks = answer.get("Stacks") or []
    if len(stacks) != 1:
        raise ValueError(f"expected the answer for one stack, got {len(stacks)}")
    stack = stacks[0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    region = stack["StackId"].split(":")[3]  # arn:aws:cloudformation:<region>:<account>:stack/...
    return outputs, region


def write(path: Path, outputs: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")  # two stacks may write at once
    temporary.write_text(json.dumps(outputs, indent=2) + "\n")
    temporary.replace(path)


def deployed_stack(environment: str, samconfig: Path = SAMCONFIG) -> tuple[str, str]:
    """(stack name, region) of a samconfig.toml environment (dev, staging, prod)."""
    config = tomllib.loads(samconfig.read_text())
    if environment == "dev" and "dev" not in config:
        environment = "default"  # samconfig.toml's dev stack is its default environment
    if environment not in config:
        raise ValueError(f"samconfig.toml has no environment {environment!r}")
    sections = config[environment]
    stack_name = sections.get("global", {}).get("parameters", {}).get("stack_name")
    region = sections.get("deploy", {}).get("parameters", {}).get("region", "us-east-1")
    if not stack_name:
        raise ValueError(f"samconfig.toml names no stack_name for {environment!r}")
    return str(stack_name), str(region)


def describe_stacks(stack_name: str, region: str) -> dict[str, Any]:
    """The AWS CLI's answer (credentials from the usual AWS configuration)."""
    command = ["aws", "cloudformation", "describe-stacks", "--stack-name", stack_name, "--region", region]
    answer = subprocess.run(  # noqa: S603 - a fixed command; the stack name comes from samconfig.toml
        [*command, "--output", "json"], capture_output=True, text=True, check=False
    )
    if answer.returncode != 0:
        raise ValueError(f"{' '.join(command)} failed: {answer.stderr.strip()}")
    return dict(json.loads(answer.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.amplify_outputs", description=__doc__.split("\n")[0])
    parser.add_argument("--env", required=True, help="the samconfig.toml environment: dev, staging or prod")
    parser.add_argument("--out", type=Path, default=Path("amplify_outputs.json"))
    parser.add_argument(
        "--describe-stacks",
        type=Path,
        help="a saved JSON answer of `aws cloudformation describe-stacks` instead of asking AWS",
    )
    arguments = parser.parse_args(argv)
    try:
        stack_name, region = deployed_stack(arguments.env)
        if arguments.describe_stacks:
            answer = json.loads(arguments.describe_stacks.read_text())
        else:
            answer = describe_stacks(stack_name, region)
        names = [stack.get("StackName") for stack in answer.get("Stacks", [])]
        if names != [stack_name]:
            raise ValueError(f"the answer describes {names}, not {stack_name}")
        stack_outputs, stack_region = outputs_from_describe_stacks(answer)
        write(arguments.out, amplify_outputs(stack_outputs, stack_region))
    except (ValueError, KeyError, OSError) as error:
        print(f"cannot write {arguments.out}: {error}", file=sys.stderr)
        return 1
    print(f"wrote {arguments.out} for {stack_name} ({stack_region})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
