"""`make bench`: cold start, warm overhead, AWS calls and size of every function, against the floor.

The floor is what the same work costs with nothing of ours in the way: a process (or a function)
that imports boto3, creates the same clients and makes the same AWS calls the handler made.
Ratios against it, measured side by side in one run, survive a noisy machine better than
absolute numbers. Everything runs against moto on 127.0.0.1; nothing leaves the machine.

Run it as ``python -m devtools.bench`` (``--help`` for the knobs); the modules:

- ``stack``: the functions of template.yaml, their environment, moto resources, handler loading.
- ``cases``: one representative invocation per function (events/ samples plus what they name).
- ``calls``: counts AWS calls through botocore's event hooks; DynamoDB request units by item size.
- ``cold_start``: fresh python3.13 processes, handler vs floor, and ``-X importtime`` breakdowns.
- ``warm``: many in-process invocations, handler vs a bare boto3 function making the same calls.
- ``sizes``: the built layer and functions, unzipped and zipped.
- ``throughput``: the local stack on 127.0.0.1, if it exists.
- ``report``: the table and docs/PERFORMANCE.md.
"""
