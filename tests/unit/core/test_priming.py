"""SnapStart priming: before the snapshot every API function is primed with nothing connected or random."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ape_moments import aws, priming
from tests.conftest import ROOT, resolver_functions

LAYER = ROOT / "layers" / "shared"
API_FUNCTIONS = sorted({folder for folder, _type in resolver_functions().values()})

# What SnapStart's init phase runs in: the function's configuration, no endpoint and no network.
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "test",
    "POWERTOOLS_METRICS_NAMESPACE": "ApeMoments/test",
    "ORDERS_TABLE_NAME": "Orders",
    "IDEMPOTENCY_TABLE_NAME": "Idempotency",
    "ORDER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
    "MEDIA_BUCKET_NAME": "media",
    "ALBUMS_TABLE_NAME": "Albums",
    "COLLAGES_TABLE_NAME": "Collages",
    "PHOTOS_TABLE_NAME": "Photos",
    "EMAIL_PREFERENCES_TABLE_NAME": "EmailPreferences",
    "STATS_TABLE_NAME": "Stats",
    # SPEC 12: the payment functions (no secret is read at init: only its ARN is configuration)
    "PAYMENT_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-key",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_priming",
}

PROBE = textwrap.dedent(
    """
    import importlib.util, json, random, sys
    sys.path[:0] = [sys.argv[2], sys.argv[3]]
    import boto3.session, botocore.session
    clients, sessions = [], []
    real_create, real_session = botocore.session.Session.create_client, boto3.session.Session.__init__
    def create_client(self, *args, **kwargs):
        clients.append(args[0] if args else kwargs.get("service_name"))
        return real_create(self, *args, **kwargs)
    def session(self, *args, **kwargs):
        sessions.append(1)
        real_session(self, *args, **kwargs)
    botocore.session.Session.create_client = create_client
    boto3.session.Session.__init__ = session
    random.seed(7)
    state = random.getstate()
    spec = importlib.util.spec_from_file_location("handler_under_test", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from ape_moments import aws, priming
    hooks = len(priming._before)
    priming.run_before_snapshot()
    print(json.dumps({
        "hooks": hooks,
        "clients": clients,
        "sessions": len(sessions),
        "default_session": boto3.DEFAULT_SESSION is not None,
        "cached_clients": aws.client.cache_info().currsize,
        "random_untouched": random.getstate() == state,
        "imported": [name for name in priming.FIRST_REQUEST_IMPORTS if name not in sys.modules],
    }))
    """
)


@pytest.mark.parametrize("function_dir", API_FUNCTIONS)
def test_init_and_priming_connect_nothing_and_draw_nothing_random(function_dir: str, tmp_path: Path) -> None:
    """A fresh process, as SnapStart's init: import the handler, run its before-snapshot hooks."""
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    environment = {"PATH": os.environ.get("PATH", ""), **ENVIRONMENT}
    completed = subprocess.run(
        [
            sys.executable,
            str(probe),
            str(ROOT / "src" / function_dir / "app.py"),
            str(LAYER),
            str(ROOT / "src" / function_dir),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["hooks"] == 1, "the handler registers its priming once"
    assert result["clients"] == []
    assert result["sessions"] == 0
    assert result["default_session"] is False
    assert result["cached_clients"] == 0
    assert result["random_untouched"] is True
    assert result["imported"] == []


class Later(BaseModel):
    child: Child | None = None  # a forward reference: pydantic cannot build it when the class is made


class Child(BaseModel):
    name: str


def test_priming_builds_the_models_it_names_and_needs_registered_resolvers() -> None:
    from aws_lambda_powertools.event_handler import AppSyncResolver

    assert Later.__pydantic_complete__ is False
    app = AppSyncResolver()

    @app.resolver(type_name="Query", field_name="later")
    def later() -> None:
        return None

    before = len(priming._before)
    priming.prime(app, Later)
    priming._before[before]()
    assert Later.__pydantic_complete__ is True
    del priming._before[before:]

    priming.prime(AppSyncResolver())  # no resolver registered yet: priming in the wrong place
    with pytest.raises(RuntimeError, match="no resolver registered"):
        priming._before[before]()
    del priming._before[before:]


def test_after_restore_drops_cached_clients_and_reseeds_random(aws: Any) -> None:
    del aws  # moto running: a client may be made
    from ape_moments import aws as clients

    clients.client("dynamodb")
    assert clients.client.cache_info().currsize == 1
    random.seed(7)
    snapshot_state = random.getstate()
    priming.run_after_restore()
    assert clients.client.cache_info().currsize == 0
    assert random.getstate() != snapshot_state


def test_in_lambdas_runtime_the_hooks_go_to_snapshot_restore_py(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: dict[str, list[Any]] = {"before": [], "after": []}
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    runtime.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    spec = importlib.util.spec_from_file_location("priming_in_lambda", LAYER / "ape_moments" / "priming.py")
    assert spec is not None
    assert spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)

    from aws_lambda_powertools.event_handler import AppSyncResolver

    app = AppSyncResolver()
    app.resolver(type_name="Query", field_name="x")(lambda: None)
    fresh.prime(app)
    fresh.prime(app)
    assert len(registered["before"]) == 2  # one per prime call
    assert registered["after"] == [fresh._after_restore]  # one per process
    assert aws.client is not None
