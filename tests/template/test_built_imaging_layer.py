"""The imaging layer `sam build` produced: Pillow and pillow-heif as aarch64 wheels, ape_imaging, no boto3.

`make test` builds before it tests; run alone without a build, these tests skip.
"""

from __future__ import annotations

import pytest

from devtools.template import ROOT
from tests.template.test_built_layer import ELF_MACHINE_AARCH64, elf_machine

LAYER = ROOT / ".aws-sam" / "build" / "ImagingLayer" / "python"

pytestmark = pytest.mark.skipif(not LAYER.is_dir(), reason="no sam build output; run `make build`")


def test_imaging_layer_holds_the_imaging_code_and_no_aws_sdk() -> None:
    for package in ("ape_imaging", "PIL", "pillow_heif"):
        assert (LAYER / package).is_dir(), package
    for sdk in ("boto3", "botocore", "ape_moments"):
        assert not (LAYER / sdk).exists(), f"{sdk} is not the imaging layer's"


def test_imaging_native_extensions_are_aarch64() -> None:
    extensions = list((LAYER / "PIL").glob("*.so"))
    assert extensions, "Pillow ships native extensions"
    for extension in extensions:
        assert elf_machine(extension) == ELF_MACHINE_AARCH64, extension.name
