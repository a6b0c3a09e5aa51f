"""The whole local stack, assembled from template.yaml: start it, describe it, stop it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools import amplify_outputs
from devtools.local_stack.app_server import APP_DIST, AppServer, served_outputs
from devtools.local_stack.auth import CognitoTokenVerifier, CredentialStore, IdentityIssuer
from devtools.local_stack.aws_front import AwsFront, BackgroundServer, MotoProxy
from devtools.local_stack.aws_services import (
    LocalResources,
    Provisioner,
    aws_client,
    start_moto,
    synthetic_resource,
)
from devtools.local_stack.cloudformation import Intrinsics, translated_template
from devtools.local_stack.cognito_front import UserPoolFront
from devtools.local_stack.graphql_server import ApiDefinition, GraphQLServer
from devtools.local_stack.lambda_runtime import LambdaRuntime, function_specs
from devtools.local_stack.mailbox import FunctionUrls, Mailbox
from devtools.local_stack.media_cdn import MediaCdn
from devtools.local_stack.pollers import SqsPoller, sqs_mappings
from devtools.local_stack.realtime import RealtimeEndpoint
from devtools.local_stack.s3_front import S3Front
from devtools.local_stack.streams import StreamPoller, stream_mappings, watch_moto_stream_writes
from devtools.local_stack.stripe_emulator import (
    PAYMENT_METHODS_PATH,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    PaymentRoutes,
    StripeEmulator,
)
from devtools.local_stack.tls import create_local_tls
from devtools.template import ROOT

STATE_FILE = ROOT / ".local" / "stack.json"
AMPLIFY_OUTPUTS_FILE = ROOT / ".local" / "amplify_outputs.json"
STACK_NAME = "ape-moments-local"
DEMO_PASSWORD = "Local-Demo-Passw0rd"  # noqa: S105 - printed on purpose: a local demo account


@dataclass
class Options:
    graphql_port: int = 4000
    aws_port: int = 0  # 0: any free port
    region: str = "us-east-1"
    parameters: dict[str, str] = field(default_factory=dict)
    state_file: Path | None = STATE_FILE
    amplify_outputs_file: Path | None = AMPLIFY_OUTPUTS_FILE
    demo_users: bool = True
    prewarm: bool = True
    sqs_retry_delay_seconds: int | None = None
    app_port: int | None = None  # serve the built booth app (examples/web/dist) there; None: not at all
    # SPEC 12: "stripe" runs localstripe as the Stripe API (make run's default); "sandbox" keeps the sandbox.
    payment_provider: str = "sandbox"
    function_timeout_scale: float = 1.0  # functions' timeouts times this (the tests' stacks: a margin)


@dataclass
class DemoUser:
    email: str
    password: str
    groups: list[str]


class AwsLayer:
    """moto behind the AWS front, with the template's resources: enough for `make invoke` alone."""

    def __init__(self, options: Options, graphql_url: str = "") -> None:
        self.options = options
        self.template = translated_template()
        # SPEC 12: the stripe provider talks to localstripe, a child process of the stack.
        self.stripe = StripeEmulator().start() if options.payment_provider == "stripe" else None
        payments = {"PaymentProvider": options.payment_provider}
        if self.stripe is not None:
            payments["StripePublishableKey"] = PUBLISHABLE_KEY
        self._moto, moto_url = start_moto()
        watch_moto_stream_writes()  # the stream pollers wake on a write instead of reading 4 times a second
        self.credentials = CredentialStore()
        self.proxy = MotoProxy(moto_url)
        self.front = AwsFront(self.proxy, identity_issuer=None, s3_front=None)
        self.server = BackgroundServer(self.front, options.aws_port).start()
        self.endpoint = self.server.url
        self.intrinsics = Intrinsics(
            template=self.template,
            region=options.region,
            stack_name=STACK_NAME,
            parameter_overrides={**payments, **options.parameters},
            synthetic=synthetic_resource(options.region, STACK_NAME, graphql_url),
        )
        # Created through the front, so URLs moto builds (queue URLs) name the front's address.
        self.resources: LocalResources = Provisioner(self.intrinsics, self.endpoint, options.region).provision()
        self.verifier = CognitoTokenVerifier(self.resources, options.region, self.endpoint)
        self.front.identity_issuer = IdentityIssuer(self.resources, self.verifier, self.credentials)
        self.front.user_pool_front = UserPoolFront(options.region)
        self.mailbox = self.front.mailbox = Mailbox()
        self.functions = function_specs(self.intrinsics, options.region, self.endpoint)
        if self.stripe is not None:
            self._configure_stripe(self.stripe)
        # SPEC 16: /media on the GraphQL port stands in for the distribution; the functions sign for it.
        media_base = (graphql_url.removesuffix("/graphql") or "http://127.0.0.1") + "/media"
        bucket = next(iter(self.resources.buckets))
        self.media = MediaCdn(self.client("s3"), bucket, media_base, self.intrinsics.ref("MediaPublicKey"))
        self.media.point_functions_here(self.functions, self.client("secretsmanager"))
        self.runtime = LambdaRuntime(self.functions, timeout_scale=options.function_timeout_scale)
        self.front.s3_front = S3Front(
            self.proxy,
            self.resources.buckets,
            lookup=self.credentials.function_credentials,
            notify=self.runtime.invoke_async,
            region=options.region,
        )

    def _configure_stripe(self, emulator: StripeEmulator) -> None:
        """The emulator's keys in the stack's secrets, and its address in the payment functions' environment."""
        secrets = self.client("secretsmanager")
        values = {"StripeSecretKey": SECRET_KEY, "StripeWebhookSigningSecret": emulator.webhook_secret}
        for logical_id, value in values.items():
            if logical_id in self.resources.secrets:
                secrets.put_secret_value(SecretId=self.resources.secrets[logical_id], SecretString=value)
        for spec in self.functions.values():
            if "STRIPE_SECRET_KEY_ARN" in spec.environment:
                spec.environment["STRIPE_API_BASE"] = emulator.api_base  # local only: not a template variable

    def client(self, service: str) -> Any:
        return aws_client(service, self.endpoint, self.options.region)

    def stop(self) -> None:
        self.runtime.close()
        self.server.stop()
        self._moto.stop()
        if self.stripe is not None:
            self.stripe.stop()


class LocalStack:
    def __init__(self, options: Options) -> None:
        self.options = options
        self._graphql_app = _LateBoundApp()
        self._graphql_server = BackgroundServer(self._graphql_app, options.graphql_port)
        self.graphql_url = f"{self._graphql_server.url}/graphql"
        self.aws = AwsLayer(options, graphql_url=self.graphql_url)
        self.api = ApiDefinition.from_template(self.aws.intrinsics)
        self.graphql = GraphQLServer(
            self.api,
            self.aws.runtime,
            self.aws.resources,
            self.aws.verifier,
            self.aws.credentials,
            options.region,
            sign_in=self.sign_in,
        )
        # AWS's clients reach subscriptions at wss://<GraphQL URL>/realtime: TLS on the GraphQL port.
        tls_folder = options.state_file.parent / "tls" if options.state_file is not None else None
        self.tls = create_local_tls(tls_folder)
        self.realtime = RealtimeEndpoint(self.graphql, self.tls.context)
        url_functions = {
            logical_id.removesuffix("Url")
            for logical_id, resource in self.aws.template["Resources"].items()
            if resource["Type"] == "AWS::Lambda::Url"
        }
        self.graphql.local_routes += [self.aws.mailbox.route, FunctionUrls(self.aws.runtime, url_functions).route]
        self._graphql_server.accept_tls(self.realtime.accept_tls)
        self.pollers: list[SqsPoller | StreamPoller] = [
            SqsPoller(
                mapping, self.aws.client("sqs"), self.aws.runtime, options.region, options.sqs_retry_delay_seconds
            )
            for mapping in sqs_mappings(self.aws.intrinsics, self.aws.resources)
        ]
        self.pollers += [
            StreamPoller(mapping, self.aws.client("dynamodbstreams"), self.aws.client("sqs"), self.aws.runtime)
            for mapping in stream_mappings(self.aws.intrinsics, self.aws.resources)
        ]
        self.demo_users: list[DemoUser] = []
        self._app_server: BackgroundServer | None = None

    def start(self) -> LocalStack:
        self._graphql_app.target = PaymentRoutes(self.aws.media.wrap(self.graphql), self.aws.stripe)
        self._graphql_server.start()
        if self.aws.stripe is not None:
            self.aws.stripe.register_webhook(self.payment_webhook_url)
        for poller in self.pollers:
            poller.start()
        if self.options.demo_users:
            self.demo_users = self._create_demo_users()
        if self.options.prewarm:
            self.aws.runtime.prewarm()
        if self.options.amplify_outputs_file is not None:
            amplify_outputs.write(self.options.amplify_outputs_file, self.amplify_outputs())
        if self.options.app_port is not None:
            app = AppServer(APP_DIST, lambda: served_outputs(self.amplify_outputs(), self.describe()))
            self._app_server = BackgroundServer(app, self.options.app_port).start()
        if self.options.state_file is not None:
            self._write_state(self.options.state_file)
        return self

    def stop(self) -> None:
        for poller in self.pollers:
            poller.request_stop()  # all at once: each may be in a one-second long poll
        for poller in self.pollers:
            poller.stop()
        self.realtime.close()
        if self._app_server is not None:
            self._app_server.stop()
        self._graphql_server.stop()
        self.aws.stop()
        if self.options.state_file is not None and self.options.state_file.exists():
            state = json.loads(self.options.state_file.read_text())
            if state.get("pid") == os.getpid():
                self.options.state_file.unlink()

    # ---- what clients need ---------------------------------------------------------------------

    @property
    def realtime_url(self) -> str:
        """What AWS's clients derive from the GraphQL URL: /realtime appended, always wss://."""
        return self.graphql_url.replace("http://", "wss://", 1) + "/realtime"

    @property
    def payment_webhook_url(self) -> str:
        return str(self.aws.intrinsics.get_att("PaymentWebhookFunctionUrl", "FunctionUrl"))

    def payments(self) -> dict[str, Any]:
        """SPEC 12: what a frontend and the tests need to pay locally (Stripe's parts null with the sandbox)."""
        stripe = self.aws.stripe
        return {
            "paymentProvider": self.options.payment_provider,
            "stripeApiBase": stripe.api_base if stripe else None,
            "stripePublishableKey": PUBLISHABLE_KEY if stripe else None,
            "stripeJsUrl": stripe.js_url if stripe else None,
            "stripePaymentMethodsUrl": self._graphql_server.url + PAYMENT_METHODS_PATH if stripe else None,
            "paymentWebhookUrl": self.payment_webhook_url,
        }

    @property
    def user_pool_id(self) -> str:
        return next(iter(self.aws.resources.user_pools.values())).pool_id

    @property
    def user_pool_client_id(self) -> str:
        return next(iter(self.aws.resources.user_pools.values())).client_ids[0]

    def describe(self) -> dict[str, Any]:
        outputs = {
            name: self.aws.intrinsics.resolve(output["Value"])
            for name, output in self.aws.template.get("Outputs", {}).items()
        }
        return {
            "graphqlUrl": self.graphql_url,
            "graphiqlUrl": self._graphql_server.url + "/",
            "mailboxUrl": self._graphql_server.url + "/local/mail",
            "appUrl": self._app_server.url + "/" if self._app_server is not None else None,
            "realtimeUrl": self.realtime_url,
            "caCertificate": str(self.tls.ca_file),
            "awsEndpoint": self.aws.endpoint,
            "region": self.options.region,
            "userPoolId": self.user_pool_id,
            "userPoolClientId": self.user_pool_client_id,
            "identityPoolId": next(iter(self.aws.resources.identity_pools)),
            "bucketName": next(iter(self.aws.resources.buckets)),
            "mediaUrl": self.aws.media.base_url,
            "tables": self.aws.resources.tables,
            "queues": {queue.logical_id: queue.url for queue in self.aws.resources.queues.values()},
            "outputs": outputs,
            "demoUsers": [user.__dict__ for user in self.demo_users],
            **self.payments(),
            # Resolved function configuration: `make invoke` runs a function against this stack.
            "functions": {logical_id: spec.to_json() for logical_id, spec in self.aws.functions.items()},
            "pid": os.getpid(),
        }

    def amplify_outputs(self) -> dict[str, Any]:
        """The frontend's amplify_outputs.json for this stack; the local endpoints go in ``custom.local``."""
        description = self.describe()
        local: dict[str, Any] = {
            "userPoolEndpoint": self.aws.endpoint,
            "identityPoolEndpoint": self.aws.endpoint,
            "s3Endpoint": self.aws.endpoint,
            "graphqlUrl": self.graphql_url,
            "realtimeUrl": self.realtime_url,
            "caCertificate": str(self.tls.ca_file),  # trust it for wss:// (NODE_EXTRA_CA_CERTS for Node)
        }
        payments = self.payments()
        # What a frontend needs to pay (SPEC 12): Stripe.js's key and address, and the local
        # stand-in for createPaymentMethod; the webhook URL is the backend's business only.
        local["payments"] = {key: value for key, value in payments.items() if key != "paymentWebhookUrl"}
        return amplify_outputs.amplify_outputs(
            description["outputs"], self.options.region, template=self.aws.template, custom={"local": local}
        )

    def _write_state(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.describe(), indent=2))
        temporary.replace(path)

    def sign_in(self, username: str, password: str) -> str:
        response = self.aws.client("cognito-idp").initiate_auth(
            ClientId=self.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return str(response["AuthenticationResult"]["IdToken"])

    def _create_demo_users(self) -> list[DemoUser]:
        cognito = self.aws.client("cognito-idp")
        groups = [group["GroupName"] for group in cognito.list_groups(UserPoolId=self.user_pool_id)["Groups"]]
        users = [DemoUser("customer@example.com", DEMO_PASSWORD, [])]
        users += [DemoUser(f"{group}@example.com", DEMO_PASSWORD, [group]) for group in groups]
        for user in users:
            cognito.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=user.email,
                UserAttributes=[{"Name": "email", "Value": user.email}, {"Name": "email_verified", "Value": "true"}],
                MessageAction="SUPPRESS",
            )
            cognito.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=user.email, Password=user.password, Permanent=True
            )
            for group in user.groups:
                cognito.admin_add_user_to_group(UserPoolId=self.user_pool_id, Username=user.email, GroupName=group)
        return users


class _LateBoundApp:
    """The GraphQL port is bound first (its URL goes into the template's GraphQLUrl); the app follows."""

    target: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.target(environ, start_response)
