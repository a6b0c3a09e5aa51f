#!/usr/bin/env bash
# Build and deploy one environment of samconfig.toml without a prompt: deploy/deploy.sh staging|prod
# Used by .github/workflows/deploy.yml; needs AWS credentials (the deploy role) and
# CFN_EXECUTION_ROLE_ARN, ARTIFACTS_BUCKET and optionally ALARM_EMAIL in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

config_env="${1:?usage: deploy/deploy.sh staging|prod}"
: "${CFN_EXECUTION_ROLE_ARN:?the CloudFormation execution role (deploy/github-oidc.yaml output)}"
: "${ARTIFACTS_BUCKET:?the artifacts bucket (deploy/github-oidc.yaml output)}"

make .venv-sam/.installed
export SAM_CLI_TELEMETRY=0
python_bin="$(dirname "$(scripts/find-python.sh)")"
sam() { PATH="$python_bin:$PATH" .venv-sam/bin/sam "$@"; }

# --parameter-overrides on the command line replaces samconfig.toml's, so start from those.
overrides="$(.venv-sam/bin/python - "$config_env" <<'PY'
import sys, tomllib
with open("samconfig.toml", "rb") as config:
    print(tomllib.load(config)[sys.argv[1]]["deploy"]["parameters"]["parameter_overrides"])
PY
)"
if [[ -n "${ALARM_EMAIL:-}" ]]; then
  overrides="$overrides AlarmEmail=\"$ALARM_EMAIL\""
fi

sam build --template template.yaml --config-env "$config_env"
sam deploy --config-env "$config_env" \
  --no-confirm-changeset --no-fail-on-empty-changeset \
  --s3-bucket "$ARTIFACTS_BUCKET" \
  --role-arn "$CFN_EXECUTION_ROLE_ARN" \
  --parameter-overrides "$overrides"
