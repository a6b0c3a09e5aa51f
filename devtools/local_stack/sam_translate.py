"""Translate template.yaml (SAM) to plain CloudFormation with the real SAM translator.

Run by ``cloudformation.translated_template`` with the SAM CLI's own interpreter (.venv-sam):
aws-sam-translator pins a pydantic the application's venv cannot share. Prints JSON on stdout.

The template is read with ``devtools.template.load()``: its ``Fn::ForEach`` loops (the
``AWS::LanguageExtensions`` transform, which the SAM translator does not run) are expanded first.

Local code locations are not S3 URIs, which the translator insists on, so they are rewritten to
``s3://local-code/<path>`` before the translation; the local stack reads the path back from the key.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

LOCAL_CODE_BUCKET = "local-code"


class _NoManagedPolicies:
    """The translator only needs AWS managed policy ARNs for ``Policies: [SomeManagedPolicy]``."""

    def load(self) -> dict[str, str]:
        return {}


def main() -> None:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.translator.transform import transform

    from devtools.template import load

    template = json.loads(json.dumps(load(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "template.yaml")))
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
                properties[key] = f"s3://{LOCAL_CODE_BUCKET}/{properties[key]}"
    json.dump(transform(template, {}, _NoManagedPolicies()), sys.stdout)


if __name__ == "__main__":
    main()
