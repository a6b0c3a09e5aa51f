"""The pipeline and the per-environment figures promised in docs/OPERATIONS.md, "Delivery"."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from devtools import template

WORKFLOWS = template.ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    loaded["on"] = loaded.pop(True, loaded.get("on"))  # YAML 1.1 reads the key `on` as true
    return loaded


def _overrides(config_env: str) -> dict[str, str]:
    config = tomllib.loads((template.ROOT / "samconfig.toml").read_text())
    text = config[config_env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(re.findall(r'(\w+)="([^"]*)"', text))


def test_every_pull_request_runs_make_test() -> None:
    ci = _workflow("ci.yml")
    assert "pull_request" in ci["on"]
    steps = ci["jobs"]["test"]["steps"]
    assert any(step.get("run") == "make test" for step in steps)


def test_main_deploys_staging_then_prod_after_approval_with_oidc() -> None:
    deploy = _workflow("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    jobs = deploy["jobs"]
    assert any(step.get("run") == "make test" for step in jobs["test"]["steps"])
    assert (jobs["staging"]["needs"], jobs["staging"]["environment"]) == ("test", "staging")
    assert (jobs["prod"]["needs"], jobs["prod"]["environment"]) == ("staging", "production")
    for job, config_env in (("staging", "staging"), ("prod", "prod")):
        assert jobs[job]["permissions"] == {"contents": "read", "id-token": "write"}
        steps = jobs[job]["steps"]
        credentials = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
        assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
        assert any(step.get("run") == f"deploy/deploy.sh {config_env}" for step in steps)
    text = "".join(path.read_text() for path in WORKFLOWS.glob("*.yml"))
    assert "secrets." not in text, "no stored credentials: OIDC and variables only"
    assert "aws-access-key-id" not in text
    assert "--config-env" in (template.ROOT / "deploy" / "deploy.sh").read_text()


def test_every_action_is_pinned_to_a_commit() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for uses in re.findall(r"uses:\s*(\S+)", path.read_text()):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), f"{path.name}: {uses}"


def test_per_environment_parameters() -> None:
    dev, staging, prod = _overrides("default"), _overrides("staging"), _overrides("prod")
    assert (dev["DeploymentPreferenceType"], prod["DeploymentPreferenceType"]) == (
        "AllAtOnce",
        "Canary10Percent5Minutes",
    )
    assert dev["ApiRateLimitPerIp"] == "0"
    assert int(prod["ApiRateLimitPerIp"]) > 0
    assert int(staging["ApiRateLimitPerIp"]) > 0
    assert (dev["SnapStart"], staging["SnapStart"], prod["SnapStart"]) == ("false", "true", "true")
    parameters = template.load()["Parameters"]
    for overrides in (dev, staging, prod):
        assert set(overrides) <= set(parameters)
        allowed = parameters["DeploymentPreferenceType"]["AllowedValues"]
        assert overrides["DeploymentPreferenceType"] in allowed


def test_bootstrap_roles_trust_only_this_repositorys_environments() -> None:
    bootstrap = template.load(template.ROOT / "deploy" / "github-oidc.yaml")["Resources"]
    for role, environment in (("StagingDeployRole", "staging"), ("ProductionDeployRole", "production")):
        (trust,) = bootstrap[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        condition = trust["Condition"]["StringEquals"]
        assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        expected = {"Fn::Sub": f"repo:${{GitHubOwner}}/${{GitHubRepository}}:environment:{environment}"}
        assert condition["token.actions.githubusercontent.com:sub"] == expected
        statements = bootstrap[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        assert not any(s["Resource"] == "*" for s in statements)
