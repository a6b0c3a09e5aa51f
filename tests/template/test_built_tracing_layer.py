"""The tracing layer `sam build` produced (layers/tracing/Makefile): the X-Ray SDK for Powertools'
Tracer and wrapt as aarch64 wheels, and none of the AWS SDK the Lambda runtime provides.

`make test` builds before it tests; run alone without a build, these tests skip.
"""

from __future__ import annotations

import pytest

from devtools.template import ROOT
from tests.template.test_built_layer import ELF_MACHINE_AARCH64, elf_machine

LAYER = ROOT / ".aws-sam" / "build" / "TracingLayer" / "python"

pytestmark = pytest.mark.skipif(not LAYER.is_dir(), reason="no sam build output; run `make build`")


def test_tracing_layer_holds_the_xray_sdk_and_no_aws_sdk() -> None:
    for package in ("aws_xray_sdk", "wrapt"):
        assert (LAYER / package).is_dir(), package
    for sdk in ("boto3", "botocore", "s3transfer", "aws_lambda_powertools"):
        assert not (LAYER / sdk).exists(), f"{sdk} is not the tracing layer's"


def test_tracing_native_extensions_are_aarch64_and_the_layer_is_small() -> None:
    extensions = list(LAYER.rglob("*.so"))
    assert extensions, "wrapt ships a native extension"
    for extension in extensions:
        assert elf_machine(extension) == ELF_MACHINE_AARCH64, extension.name
    size = sum(f.stat().st_size for f in LAYER.rglob("*") if f.is_file())
    assert size < 5 * 1024 * 1024, f"tracing layer is {size / 1e6:.1f} MB unzipped"
