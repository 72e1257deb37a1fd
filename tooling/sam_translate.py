#!/usr/bin/env python3
"""Runs the AWS SAM translator (the Python `samtranslator` package) on one template.

Usage: sam_translate.py TEMPLATE [PARAMETERS_JSON] > processed.json

TEMPLATE is YAML or JSON (CloudFormation short-form tags allowed). PARAMETERS_JSON is an optional JSON
object of parameter values. The processed CloudFormation template is printed as JSON. On a translation
error the translator's messages go to stderr and the exit code is 2.
"""
import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.decode import decode  # noqa: E402
from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402


class ManagedPolicyLoader:
    """Resolves AWS managed policy names offline, as the SAM CLI does when it has no IAM access."""

    def load(self):
        names = [
            "AWSLambdaBasicExecutionRole",
            "AWSLambdaVPCAccessExecutionRole",
            "AWSXRayDaemonWriteAccess",
            "AWSLambdaRole",
            "AWSCodeBuildDeveloperAccess",
        ]
        return {n: f"arn:aws:iam::aws:policy/service-role/{n}" for n in names}


def as_packaged(template):
    """Replaces local CodeUri/ContentUri paths with S3 locations, as `sam package` does before deployment."""
    for logical_id, res in (template.get("Resources") or {}).items():
        props = res.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            value = props.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                props[key] = f"s3://cloud-cron-artifacts/{logical_id}.zip"
    return template


def main():
    path = sys.argv[1]
    params = json.loads(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else {}
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            template = json.load(f)
    else:
        template, matches = decode(path)
        if matches:
            for m in matches:
                print(str(m), file=sys.stderr)
            sys.exit(2)
    try:
        out = transform(as_packaged(template), params, ManagedPolicyLoader())
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(cause.message, file=sys.stderr)
        sys.exit(2)
    json.dump(out, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main()
