"""The local stack: the whole API on 127.0.0.1, built from template.yaml (see docs/LOCAL_STACK.md).

Modules, in the order a request meets them:
- ``cloudformation``: the SAM template translated to CloudFormation, intrinsic functions resolved;
- ``aws_services``: moto's server and the template's tables, buckets, queues and Cognito pools;
- ``aws_front``: the AWS endpoint clients and functions use (identity pool and S3 checks, then moto);
- ``auth`` / ``sigv4``: Cognito JWT verification, per-identity guest credentials, SigV4 verification;
- ``graphql_server`` / ``scalars``: the AppSync-compatible endpoint and its scalars;
- ``lambda_runtime`` / ``lambda_worker``: the functions, one process pool each;
- ``s3_front``, ``pollers``: S3 notifications and SQS event sources;
- ``stack`` (assembly), ``__main__`` (`make run`), ``invoke`` (`make invoke`).
"""
