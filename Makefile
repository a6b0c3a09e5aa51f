# Everything a contributor runs. `make run` starts the local stack, `make test` runs every check.
# Both install what they need on a fresh machine (Python 3.13 must exist; see README).

SHELL := /bin/bash
PYTHON := $(shell scripts/find-python.sh)
PYTHON_BIN := $(dir $(PYTHON))
VENV := .venv
SAM_VENV := .venv-sam
SAM_CLI_VERSION := 1.170.0
# checkov pins boto3 far below the app's, so it gets its own venv (pyproject group `checkov`).
CHECKOV_VENV := .local/venv-checkov
# checkov does not expand Fn::ForEach (template.yaml's loops, docs/TEMPLATE.md): it scans the
# template as CloudFormation receives it after AWS::LanguageExtensions, written by devtools/template.py.
EXPANDED_TEMPLATE := .local/template.expanded.json
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
# sam build must find the real python3.13 first on PATH, not a pyenv shim.
SAM := PATH="$(PYTHON_BIN):$$PATH" $(SAM_VENV)/bin/sam
PY := $(VENV)/bin/python
# pip, quietly; a machine whose pip.conf names missing local indexes warns once per package: drop those lines.
PIP_QUIET := --quiet --disable-pip-version-check
IGNORED_INDEX_WARNINGS := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
# pytest-xdist: each worker process takes whole modules (their module fixtures are built once) and
# starts its own local stack on free ports when its tests need one. 2 suits a 2-core machine (the
# e2e tests wait on the stack as much as they compute); PYTEST_WORKERS=auto uses every core, 0 none.
PYTEST_WORKERS ?= 2
PYTEST_DIST ?= loadscope
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST)

.PHONY: help install setup graphiql app-build app app-deps app-lint browser run outputs backfill invoke lint lint-workflows format build validate test test-unit test-e2e clean check-security bench media-keys

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	set -o pipefail; $(VENV)/bin/pip install $(PIP_QUIET) --upgrade "pip>=25.1" $(IGNORED_INDEX_WARNINGS)
	set -o pipefail; $(VENV)/bin/pip install $(PIP_QUIET) --group dev $(IGNORED_INDEX_WARNINGS)
	touch $@

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	set -o pipefail; $(SAM_VENV)/bin/pip install $(PIP_QUIET) "aws-sam-cli==$(SAM_CLI_VERSION)" $(IGNORED_INDEX_WARNINGS)
	touch $@

$(CHECKOV_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CHECKOV_VENV)
	set -o pipefail; $(CHECKOV_VENV)/bin/pip install $(PIP_QUIET) --upgrade "pip>=25.1" $(IGNORED_INDEX_WARNINGS)
	set -o pipefail; $(CHECKOV_VENV)/bin/pip install $(PIP_QUIET) --group checkov $(IGNORED_INDEX_WARNINGS)
	touch $@

install: $(VENV)/.installed $(SAM_VENV)/.installed ## create .venv (app + dev tools) and .venv-sam (SAM CLI)

# GraphiQL for the local stack's page, from the npm registry (pinned in devtools/local_stack/graphiql);
# without npm the stack serves its plain query page instead.
GRAPHIQL := .local/graphiql
$(GRAPHIQL)/.installed: devtools/local_stack/graphiql/package.json devtools/local_stack/graphiql/package-lock.json
	mkdir -p $(GRAPHIQL)
	cp devtools/local_stack/graphiql/package.json devtools/local_stack/graphiql/package-lock.json $(GRAPHIQL)/
	npm ci --prefix $(GRAPHIQL) --no-audit --no-fund --silent
	touch $@

graphiql:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(GRAPHIQL)/.installed; \
	else echo "npm not found: the local stack serves its plain query page instead of GraphiQL"; fi

# The booth app (examples/web): npm ci when its lock file changes, a production build when its
# sources change (the stamp holds their hash, so a checkout that only touches mtimes rebuilds nothing).
WEB := examples/web
WEB_SOURCES = $(sort $(shell find $(WEB)/src -type f) $(WEB)/index.html $(WEB)/package.json $(WEB)/package-lock.json $(WEB)/vite.config.ts $(WEB)/tsconfig.json)
WEB_STAMP := .local/app-build.sha256
$(WEB)/node_modules/.installed: $(WEB)/package-lock.json
	npm ci --prefix $(WEB) --no-audit --no-fund --silent
	touch $@

app-build: ## build the booth app once (cached until examples/web's sources change)
	@if ! command -v npm >/dev/null 2>&1; then echo "npm not found: the local stack runs without the booth app"; exit 0; fi; \
	$(MAKE) --no-print-directory $(WEB)/node_modules/.installed; \
	hash=$$(sha256sum $(WEB_SOURCES) | sha256sum | cut -c1-64); \
	if [ "$$(cat $(WEB_STAMP) 2>/dev/null)" != "$$hash" ] || [ ! -f $(WEB)/dist/index.html ]; then \
	  npm run --prefix $(WEB) --silent build && mkdir -p .local && echo "$$hash" > $(WEB_STAMP); \
	else echo "booth app: up to date ($(WEB)/dist)"; fi

app: ## the booth app's dev server with hot reload at :3000 (start the stack with `make run APP_PORT=off`)
	$(MAKE) --no-print-directory $(WEB)/node_modules/.installed
	npm run --prefix $(WEB) dev

# The app's npm ci once, before app-build and app-lint run side by side (never two installs at once).
app-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(WEB)/node_modules/.installed; fi

app-lint: ## the booth app's eslint and tsc
	$(MAKE) --no-print-directory $(WEB)/node_modules/.installed
	npm run --prefix $(WEB) --silent lint
	npm run --prefix $(WEB) --silent typecheck

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq chromium; } || echo "chromium not installed: the browser tests will skip"; fi

run: install graphiql app-build ## start the whole API and the booth app on 127.0.0.1 (PORT=4000 AWS_PORT=4566 APP_PORT=3000|off)
	$(PY) -m devtools.local_stack --port $(or $(PORT),4000) --aws-port $(or $(AWS_PORT),4566) $(if $(filter off,$(APP_PORT)),,--app-port $(or $(APP_PORT),3000))

# amplify_outputs.json of a deployed stack (samconfig.toml's environment), from its CloudFormation
# outputs and graphql/schema.graphql. DESCRIBE_STACKS=<file>: a saved describe-stacks answer instead of AWS.
outputs: $(VENV)/.installed ## amplify_outputs.json for a deployed stack: make outputs ENV=dev [OUT=amplify_outputs.json]
	@test -n "$(ENV)" || { echo "usage: make outputs ENV=dev|staging|prod [OUT=amplify_outputs.json]"; exit 2; }
	$(PY) -m devtools.amplify_outputs --env $(ENV) --out $(or $(OUT),amplify_outputs.json) $(if $(DESCRIBE_STACKS),--describe-stacks $(DESCRIBE_STACKS))

# The owner's figures for data written before they were kept (docs/STATS.md): idempotent, resumable.
backfill: $(VENV)/.installed ## count existing orders, photos, renders into the Stats table: make backfill ENV=local|dev|staging|prod
	@test -n "$(ENV)" || { echo "usage: make backfill ENV=local|dev|staging|prod [RESTART=1]"; exit 2; }
	$(PY) -m devtools.backfill --env $(ENV) $(if $(RESTART),--restart)

# SPEC 16: the media URL signing key pair (docs/MEDIA.md). Needs AWS credentials for the stack's account.
media-keys: ## make the CloudFront signing key pair: make media-keys ENV=dev [VERSION=1]; prints MediaSigningPublicKey
	@test -n "$(ENV)" || { echo "usage: make media-keys ENV=dev|staging|prod [VERSION=1]"; exit 2; }
	scripts/media-keys.sh $(ENV) $(or $(VERSION),1)

invoke: install ## run one function locally: make invoke FUNCTION=CreateOrderFunction EVENT=events/create_order.json
	@test -n "$(FUNCTION)" || { echo "usage: make invoke FUNCTION=<logical id> EVENT=events/<file>.json"; exit 2; }
	$(PY) -m devtools.local_stack.invoke $(FUNCTION) $(or $(EVENT),-)

lint: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## ruff, mypy, cfn-lint, checkov, the GitHub workflows
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml deploy/github-oidc.yaml
	$(PY) -m devtools.template $(EXPANDED_TEMPLATE)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --skip-download --quiet --compact --framework cloudformation -f $(EXPANDED_TEMPLATE) -f deploy/github-oidc.yaml
	$(MAKE) --no-print-directory lint-workflows

# The workflows against GitHub's workflow schema (vendored in check-jsonschema, no download) and
# zizmor's offline audits (injection, permissions, pinned actions). Both from the dev group.
lint-workflows: $(VENV)/.installed
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --no-progress .github/workflows/

format: $(VENV)/.installed ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

validate: $(SAM_VENV)/.installed ## sam validate, plain and --lint
	$(SAM) validate --template template.yaml
	$(SAM) validate --lint --template template.yaml

build: $(SAM_VENV)/.installed ## sam build (arm64 layer and functions into .aws-sam/)
	$(SAM) build --template template.yaml --cached --parallel

test-unit: $(VENV)/.installed ## pytest without the end-to-end tests
	$(PYTEST) -m "not e2e"

test-e2e: $(VENV)/.installed ## the end-to-end tests against a local stack they start
	$(PYTEST) -m e2e

# lint, validate and build (and the booth app's build and lint) run side by side (mostly waiting
# on their own start-up), each target's output shown whole when it ends; any failure fails
# `make test` before pytest starts. pytest then runs after the build (tests/template checks the
# built layers; tests/browser serves the built app).
test: browser ## every check: lint, types, templates, build, the app, all tests
	@$(MAKE) --no-print-directory -j 5 --output-sync=target setup
	@$(MAKE) --no-print-directory -j 3 --output-sync=target lint validate build app-build app-lint
	$(PYTEST)

# Every install side by side (each its own directory; pip's and npm's caches are safe to share):
# one after another they took 92 s of a clean clone's `make test`, side by side about half.
setup: install $(CHECKOV_VENV)/.installed graphiql app-deps

check-security: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## security suite (matrix, hostile input, load, faults, logs) + checkov, with a summary
	$(VENV)/bin/cfn-lint template.yaml
	$(PY) -m devtools.template $(EXPANDED_TEMPLATE)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --skip-download --quiet --compact --framework cloudformation -f $(EXPANDED_TEMPLATE)
	$(PY) -m pytest tests/security

clean: ## remove venvs, build output and caches
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache

bench: install build ## cold start, warm overhead, AWS calls, sizes (and local stack throughput) vs the floor; writes docs/PERFORMANCE.md
	$(PY) -m devtools.bench
