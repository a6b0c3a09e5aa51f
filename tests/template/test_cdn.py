"""SPEC 16 from template.yaml itself: the distribution takes only signed requests, reaches the
bucket only through Origin Access Control, caches by path alone; the bucket refuses every other
read; the functions that hand out read URLs sign them and can no longer read the bucket."""

from __future__ import annotations

import json
from typing import Any

from devtools import template

TEMPLATE = template.load()
RESOURCES = TEMPLATE["Resources"]
DISTRIBUTION = RESOURCES["MediaDistribution"]["Properties"]["DistributionConfig"]
SIGNING_ENV = ("MEDIA_URL_BASE", "MEDIA_KEY_PAIR_ID", "MEDIA_SIGNING_KEY_SECRET")


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in RESOURCES.items() if resource["Type"] == kind}


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in function["Properties"].get("Policies", []) for s in policy.get("Statement", [])]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_the_distribution_reaches_the_bucket_only_through_origin_access_control() -> None:
    (origin,) = DISTRIBUTION["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["MediaBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["MediaOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac = RESOURCES["MediaOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )


def test_the_distribution_serves_only_signed_requests_of_the_trusted_key_group() -> None:
    behaviour = DISTRIBUTION["DefaultCacheBehavior"]
    assert "CacheBehaviors" not in DISTRIBUTION  # no path escapes the default behaviour
    assert behaviour["TrustedKeyGroups"] == [{"Ref": "MediaKeyGroup"}]
    assert "TrustedSigners" not in behaviour  # no legacy root-account key pairs
    assert sorted(behaviour["AllowedMethods"]) == ["GET", "HEAD"]
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    group = RESOURCES["MediaKeyGroup"]["Properties"]["KeyGroupConfig"]
    assert group["Items"] == [{"Ref": "MediaPublicKey"}]
    public_key = RESOURCES["MediaPublicKey"]["Properties"]["PublicKeyConfig"]
    assert public_key["EncodedKey"] == {"Ref": "MediaSigningPublicKey"}
    assert "Default" not in TEMPLATE["Parameters"]["MediaSigningPublicKey"]  # every deployment brings its key


def test_the_cache_key_is_the_path_alone() -> None:
    policy_id = DISTRIBUTION["DefaultCacheBehavior"]["CachePolicyId"]
    assert policy_id == {"Ref": "MediaCachePolicy"}
    config = RESOURCES["MediaCachePolicy"]["Properties"]["CachePolicyConfig"]
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    # Expires, Signature and Key-Pair-Id are query parameters: none is in the key.
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert config["MaxTTL"] >= 31536000  # a year's Cache-Control on thumbnails and renders is honoured


def test_responses_say_nosniff() -> None:
    policy_id = DISTRIBUTION["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]
    assert policy_id == {"Ref": "MediaResponseHeadersPolicy"}
    config = RESOURCES["MediaResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert config["SecurityHeadersConfig"]["ContentTypeOptions"] == {"Override": True}


def test_the_bucket_allows_reads_to_the_distribution_only_and_refuses_the_rest() -> None:
    statements = RESOURCES["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert _actions(allow) == ["s3:GetObject"]
    source_arn = allow["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert "${MediaDistribution}" in source_arn["Fn::Sub"]  # this distribution, not any CloudFront
    (deny,) = [s for s in statements if s.get("Sid") == "NoOtherReads"]
    assert (deny["Effect"], deny["Principal"], _actions(deny)) == ("Deny", "*", ["s3:GetObject"])
    unless = deny["Condition"]["StringNotEqualsIfExists"]
    assert unless["AWS:SourceArn"] == source_arn
    assert unless["aws:PrincipalAccount"] == {"Ref": "AWS::AccountId"}
    block = RESOURCES["MediaBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(
        block[name] for name in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )


def test_every_function_that_hands_out_read_urls_signs_them_for_the_distribution() -> None:
    functions = _of_type("AWS::Serverless::Function")
    url_makers = {
        name: function
        for name, function in functions.items()
        if "PHOTO_URL_EXPIRES_IN" in function["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert set(url_makers) == {
        "GetOrderFunction",
        "ListOrdersFunction",
        "AlbumsFunction",
        "CollagesFunction",
        "PhotosFunction",
    }
    for name, function in url_makers.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert all(variable in variables for variable in SIGNING_ENV), name
        assert variables["MEDIA_URL_BASE"] == {"Fn::Sub": "https://${MediaDistribution.DomainName}"}
        assert variables["MEDIA_KEY_PAIR_ID"] == {"Ref": "MediaPublicKey"}
        statements = _statements(function)
        # A presigned S3 GET would carry the function's permission: none is left to carry.
        assert not any("s3:GetObject" in _actions(s) for s in statements), name
        (secret,) = [s for s in statements if "secretsmanager:GetSecretValue" in _actions(s)]
        secret_name = "ape-moments-${Stage}-media-signing-key-${MediaSigningKeyVersion}"
        assert variables["MEDIA_SIGNING_KEY_SECRET"] == {"Fn::Sub": secret_name}
        assert secret["Resource"]["Fn::Sub"].endswith(f":secret:{secret_name}-??????")
    others = set(functions) - set(url_makers)
    for name in others:
        variables = functions[name]["Properties"].get("Environment", {}).get("Variables", {})
        assert not any(variable in variables for variable in SIGNING_ENV), name
        # other functions read their own secrets (Stripe's, the unsubscribe key), never the media signing key
        reads = [s for s in _statements(functions[name]) if "secretsmanager:GetSecretValue" in _actions(s)]
        assert not any("media-signing-key" in json.dumps(s["Resource"]) for s in reads), name


def test_the_distribution_has_a_5xx_alarm_where_its_metrics_live() -> None:
    alarm = RESOURCES["MediaErrorsAlarm"]
    assert alarm["Condition"] == "InUsEast1"
    assert TEMPLATE["Conditions"]["InUsEast1"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    metrics = {m["Id"]: m for m in alarm["Properties"]["Metrics"]}
    rate = metrics["rate"]["MetricStat"]["Metric"]
    assert (rate["Namespace"], rate["MetricName"]) == ("AWS/CloudFront", "5xxErrorRate")
    assert {"Name": "Region", "Value": "Global"} in rate["Dimensions"]
    assert {"Name": "DistributionId", "Value": {"Ref": "MediaDistribution"}} in rate["Dimensions"]
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_web_acl_is_cloudfront_scoped_and_attached_only_where_it_can_exist() -> None:
    acl = RESOURCES["MediaWebAcl"]
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    assert acl["Condition"] == "HasMediaWebAcl"
    assert TEMPLATE["Conditions"]["HasMediaWebAcl"] == {
        "Fn::And": [{"Fn::Condition": "HasRateLimit"}, {"Fn::Condition": "InUsEast1"}]
    }
    assert DISTRIBUTION["WebACLId"] == {
        "Fn::If": ["HasMediaWebAcl", {"Fn::GetAtt": ["MediaWebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]
    }


def test_the_domain_is_an_output() -> None:
    assert TEMPLATE["Outputs"]["MediaDomainName"]["Value"] == {"Fn::GetAtt": ["MediaDistribution", "DomainName"]}
