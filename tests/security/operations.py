"""The API's operations, read from graphql/schema.graphql and template.yaml (never a second list).

Every security test that must cover "every operation" iterates ``OPERATIONS``: a field added to
the schema without its rows in the authorization matrix, its hostile-input strategy or its
fault scenario makes those tests fail.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from graphql import parse, print_ast
from graphql.language import FieldDefinitionNode, ListTypeNode, NonNullTypeNode, ObjectTypeDefinitionNode, TypeNode

from devtools import template


@dataclass(frozen=True)
class Argument:
    name: str
    type_name: str  # the named type inside any list / non-null wrappers
    required: bool
    is_list: bool
    graphql_type: str  # as written in the schema, e.g. "[OrderItemInput!]!"


@dataclass(frozen=True)
class Operation:
    type_name: str  # Query or Mutation
    field: str
    arguments: tuple[Argument, ...]
    returns_nullable: bool
    returns: str  # the named return type

    @property
    def is_mutation(self) -> bool:
        return self.type_name == "Mutation"


def _unwrap(node: TypeNode) -> tuple[str, bool, bool]:
    required = isinstance(node, NonNullTypeNode)
    if isinstance(node, NonNullTypeNode):
        node = node.type
    is_list = isinstance(node, ListTypeNode)
    while isinstance(node, (ListTypeNode, NonNullTypeNode)):
        node = node.type
    return node.name.value, required, is_list  # type: ignore[attr-defined]


def _operation(type_name: str, field: FieldDefinitionNode) -> Operation:
    arguments = []
    for argument in field.arguments or ():
        named, required, is_list = _unwrap(argument.type)
        arguments.append(Argument(argument.name.value, named, required, is_list, print_ast(argument.type)))
    returns = _unwrap(field.type)[0]
    return Operation(
        type_name, field.name.value, tuple(arguments), not isinstance(field.type, NonNullTypeNode), returns
    )


@functools.cache
def schema_operations() -> tuple[Operation, ...]:
    """Every field of Query and Mutation, as graphql-core parses the schema file."""
    document = parse(template.SCHEMA.read_text())
    operations = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value in ("Query", "Mutation"):
            operations.extend(_operation(definition.name.value, field) for field in definition.fields or ())
    return tuple(operations)


@functools.cache
def backend_only() -> frozenset[str]:
    """Fields only the backend may call (their one directive is ``@aws_iam``: the publish mutations)."""
    document = parse(template.SCHEMA.read_text())
    return frozenset(
        field.name.value
        for definition in document.definitions
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == "Mutation"
        for field in definition.fields or ()
        if [directive.name.value for directive in field.directives or ()] == ["aws_iam"]
    )


OPERATIONS = schema_operations()  # every field: the matrix and hostile input (refusals included)
# What clients can call: the in-process fault and log sweeps. The backend-only publish mutations
# make no AWS call and no client reaches them (the matrix proves the refusals over HTTP).
OPERATION_NAMES = tuple(operation.field for operation in OPERATIONS if operation.field not in backend_only())


def by_name(field: str) -> Operation:
    return next(operation for operation in OPERATIONS if operation.field == field)


@functools.cache
def input_fields() -> dict[str, tuple[Argument, ...]]:
    """Every input type's fields (CreateAlbumInput -> name, description, ...)."""
    from graphql.language import InputObjectTypeDefinitionNode

    document = parse(template.SCHEMA.read_text())
    found = {}
    for definition in document.definitions:
        if isinstance(definition, InputObjectTypeDefinitionNode):
            fields = []
            for f in definition.fields or ():
                named, required, is_list = _unwrap(f.type)
                fields.append(Argument(f.name.value, named, required, is_list, print_ast(f.type)))
            found[definition.name.value] = tuple(fields)
    return found


@functools.cache
def enum_values() -> dict[str, tuple[str, ...]]:
    from graphql.language import EnumTypeDefinitionNode

    document = parse(template.SCHEMA.read_text())
    return {
        d.name.value: tuple(v.name.value for v in d.values or ())
        for d in document.definitions
        if isinstance(d, EnumTypeDefinitionNode)
    }
