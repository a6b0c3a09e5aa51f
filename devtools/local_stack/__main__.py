"""`make run`: start the local stack in the foreground; Ctrl-C stops it.

python -m devtools.local_stack [--port 4000] [--aws-port 4566] [--parameter Stage=dev]
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: they are part of the start-up

import argparse  # noqa: E402
import faulthandler  # noqa: E402
import logging  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

from devtools.local_stack.stack import AMPLIFY_OUTPUTS_FILE, STATE_FILE, LocalStack, Options  # noqa: E402

STOP_TIMEOUT_SECONDS = 10


def _options() -> Options:
    parser = argparse.ArgumentParser(prog="python -m devtools.local_stack", description=__doc__)
    parser.add_argument("--port", type=int, default=4000, help="GraphQL port (0: any free port)")
    parser.add_argument("--aws-port", type=int, default=4566, help="local AWS endpoint port (0: any free port)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter")
    parser.add_argument("--state-file", type=Path, default=STATE_FILE, help="where to write the stack's description")
    parser.add_argument(
        "--amplify-outputs",
        type=Path,
        default=AMPLIFY_OUTPUTS_FILE,
        help="where to write the frontend's amplify_outputs.json",
    )
    parser.add_argument(
        "--app-port", type=int, default=None, help="serve the built booth app (examples/web/dist) on this port"
    )
    parser.add_argument("--no-demo-users", action="store_true")
    parser.add_argument("--no-prewarm", action="store_true", help="start function workers on first use only")
    parser.add_argument(
        "--sqs-retry-delay",
        type=int,
        default=None,
        metavar="SECONDS",
        help="retry failed queue messages after this long instead of the queue's visibility timeout",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("LOG_LEVEL", "warning"),
        choices=["debug", "info", "warning", "error"],
        help="the stack's own log (debug: each request's trace segments and durations, as X-Ray shows them)",
    )
    parser.add_argument(
        "--function-timeout-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="multiply every function's Timeout (the tests use a margin: their machine may be oversubscribed)",
    )
    arguments = parser.parse_args()
    # The stack's own loggers at the chosen level; the libraries' (moto, botocore, werkzeug) stay at warning.
    logging.basicConfig(level=logging.WARNING, format="[local-stack] %(levelname)s %(name)s: %(message)s")
    logging.getLogger("devtools.local_stack").setLevel(arguments.log_level.upper())
    return Options(
        graphql_port=arguments.port,
        aws_port=arguments.aws_port,
        region=arguments.region,
        parameters=dict(item.split("=", 1) for item in arguments.parameter),
        state_file=arguments.state_file,
        amplify_outputs_file=arguments.amplify_outputs,
        demo_users=not arguments.no_demo_users,
        prewarm=not arguments.no_prewarm,
        sqs_retry_delay_seconds=arguments.sqs_retry_delay,
        app_port=arguments.app_port,
        # SPEC 12: make run pays through localstripe; PAYMENT_PROVIDER=sandbox keeps the sandbox.
        payment_provider=os.environ.get("PAYMENT_PROVIDER", "stripe"),
        function_timeout_scale=arguments.function_timeout_scale,
    )


def main() -> None:
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: every thread's stack
    options = _options()
    stack = LocalStack(options).start()
    elapsed = time.perf_counter() - STARTED
    description = stack.describe()
    print(f"Local stack ready in {elapsed:.2f} s (127.0.0.1 only)", flush=True)
    print(f"  GraphQL   {description['graphqlUrl']}")
    print(f"  GraphiQL  {description['graphiqlUrl']}")
    print(f"  mailbox   {description['mailboxUrl']}  (every email sent; .json for tools)")
    if description["appUrl"]:
        print(f"  Booth app {description['appUrl']}  (examples/web; trust caCertificate below for live updates)")
    print(f"  AWS       {description['awsEndpoint']}  (DynamoDB, S3, SQS, Cognito; region {options.region})")
    print(f"  user pool {description['userPoolId']}  client {description['userPoolClientId']}")
    print(f"  identity  {description['identityPoolId']}   bucket {description['bucketName']}")
    for user in stack.demo_users:
        role = ", ".join(user.groups) or "customer"
        print(f"  demo {role:<9} {user.email} / {user.password}")
    print(f"  CA        {description['caCertificate']}  (wss:// for subscriptions)")
    if stack.aws.stripe is not None:
        print(f"  Stripe    {stack.aws.stripe.api_base}  (localstripe; test card 4242 4242 4242 4242)")
        print(f"  cards     POST {description['stripePaymentMethodsUrl']}  -> {{id}}")
    print(f"  webhook   {description['paymentWebhookUrl']}  (payments: {options.payment_provider})")
    if options.state_file:
        print(f"  state     {options.state_file}")
    if options.amplify_outputs_file:
        print(f"  Amplify   {options.amplify_outputs_file}  (amplify_outputs.json; README: Frontend (Amplify))")
    print("Ctrl-C stops everything.", flush=True)

    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    # Wait with a timeout: a signal delivered to another thread would not wake a plain wait().
    while not stopping.wait(0.2):
        pass
    print("Stopping the local stack...", flush=True)
    # A bounded stop: should a server thread hang, the process still ends.
    watchdog = threading.Timer(STOP_TIMEOUT_SECONDS, lambda: os._exit(1))
    watchdog.daemon = True
    watchdog.start()
    stack.stop()
    watchdog.cancel()
    print("Stopped.", flush=True)
    # Everything was stopped explicitly above; leave without waiting on interpreter shutdown,
    # which can block on library threads and on worker processes still importing.
    for child in multiprocessing.active_children():
        child.kill()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
