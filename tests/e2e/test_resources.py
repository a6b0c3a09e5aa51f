"""The local resources are the template's: nothing is listed twice."""

from __future__ import annotations

import json

import pytest

from devtools import template
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def test_every_table_of_the_template_exists_with_its_keys_and_indexes(stack: Stack) -> None:
    dynamodb = stack.client("dynamodb")
    tables = stack.description["tables"]
    assert set(tables) == set(template.resources("AWS::DynamoDB::Table"))
    for logical_id, name in tables.items():
        expected = template.table_definition(logical_id)
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == expected["KeySchema"]
        assert {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])} == {
            index["IndexName"] for index in expected.get("GlobalSecondaryIndexes", [])
        }
        ttl = template.load()["Resources"][logical_id]["Properties"].get("TimeToLiveSpecification")
        if ttl:
            described = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            assert described["AttributeName"] == ttl["AttributeName"]


def test_queues_bucket_and_identity_pool_follow_the_template(stack: Stack) -> None:
    queues = stack.description["queues"]
    assert set(queues) == set(template.resources("AWS::SQS::Queue"))
    redrive = json.loads(
        stack.client("sqs").get_queue_attributes(QueueUrl=queues["OrderQueue"], AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )
    assert redrive["deadLetterTargetArn"].endswith("OrderDeadLetterQueue")
    assert int(redrive["maxReceiveCount"]) == 3

    s3 = stack.client("s3")
    assert s3.get_bucket_versioning(Bucket=stack.bucket)["Status"] == "Enabled"
    origins = s3.get_bucket_cors(Bucket=stack.bucket)["CORSRules"][0]["AllowedOrigins"]
    assert "http://localhost:3000" in origins

    groups = stack.client("cognito-idp").list_groups(UserPoolId=stack.user_pool_id)["Groups"]
    assert [group["GroupName"] for group in groups] == ["admins"]
    pool = stack.client("cognito-identity").describe_identity_pool(IdentityPoolId=stack.identity_pool_id)
    assert pool["AllowUnauthenticatedIdentities"] is True


def test_the_state_file_describes_the_stack(stack: Stack) -> None:
    for key in (
        "graphqlUrl",
        "awsEndpoint",
        "region",
        "userPoolId",
        "userPoolClientId",
        "identityPoolId",
        "bucketName",
    ):
        assert stack.description[key]
    assert stack.description["outputs"]["MediaBucketName"] == stack.bucket
    assert set(stack.description["functions"]) == set(template.resources("AWS::Serverless::Function"))
