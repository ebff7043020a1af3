"""Send 5,000+ hostile requests to the emulator's AgentCore routes: statuses, contract violations, req/s.

Requests are valid ones broken the way clients and attackers break them: a member retyped at any
level, random JSON objects, byte soup (NaN, bad UTF-8, unbalanced brackets, deep nesting), hostile
path segments, List query strings and odd Authorization / Content-Type / Content-Length headers.
Every reply is checked against the contract in `evalctl.emulator.wirecheck`; the run exits 1 on
any violation or when a normal boto3 call fails afterwards.
Usage: python bench/fuzz_emulator.py [--count 6000] [--seed 1]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import string
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import boto3
from botocore.config import Config

from evalctl.emulator import model
from evalctl.emulator.server import EmulatorServer
from evalctl.emulator.wirecheck import SIGNED, Reply, check, send, violations
from evalctl.service_models import CONTROL, DATA

JUDGE = {
    "llmAsAJudge": {
        "instructions": "Rate it. {context} {assistant_turn}",
        "ratingScale": {"numerical": [{"definition": "Good", "value": 1.0, "label": "Good"}]},
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "anthropic.claude-3-5-haiku"}},
    }
}
BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "/evaluators/create": (CONTROL, {"evaluatorName": "a", "level": "TRACE", "evaluatorConfig": JUDGE}),
    "/online-evaluation-configs/create": (
        CONTROL,
        {
            "onlineEvaluationConfigName": "live",
            "rule": {"samplingConfig": {"samplingPercentage": 10.0}},
            "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["a.DEFAULT"], "logGroupNames": ["/x"]}},
            "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
            "evaluationExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
        },
    ),
    "/evaluations/batch-evaluate": (
        DATA,
        {
            "batchEvaluationName": "nightly",
            "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
            "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["a.DEFAULT"]}},
        },
    ),
    "/evaluations/evaluate/Builtin.Helpfulness": (
        DATA,
        {"evaluationInput": {"sessionSpans": [{"traceId": "t", "spanId": "s", "attributes": {}}]}},
    ),
}
JUNK: list[Any] = [None, True, 0, -1, 2.5, "", "x" * 5000, [], [1, "a"], {}, {"a": {"b": []}}, "\u0000\ud7ff"]
PIECES = [
    "{",
    "}",
    "[",
    "]",
    '"',
    ":",
    ",",
    "NaN",
    "-Infinity",
    "1e999",
    "null",
    "\\u",
    "\\ud800",
    " ",
    "0x1",
]
SEGMENTS = [
    *["..", ".", "%", "%2", "%ZZ", "%2F", "%00", "%FF%FE", "a" * 3000, "%C3%A9", "Builtin.", "-", "a-b"],
    *["ghost-0123456789", "Builtin.Nope"],  # well-formed but unknown: ResourceNotFoundException
]
# Replies to these kinds may be 2xx (a query or header that happens to be valid).
MAY_SUCCEED = {"query", "header"}

Case = tuple[str, str, str, bytes, dict[str, str | None]]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, (*path, key))
    return found


def retyped(rng: random.Random) -> Case:
    path = rng.choice(sorted(BODIES))
    doc = copy.deepcopy(BODIES[path][1])
    where = rng.choice(_paths(doc))
    target: Any = doc
    for step in where[:-1]:
        target = target[step]
    old = target[where[-1]]
    # A value of another JSON type than the one it replaces (None would just mean "absent").
    choices = [v for v in JUNK if v is not None and type(v) is not type(old) and not _same_number(v, old)]
    target[where[-1]] = rng.choice(choices)
    return "retyped", "POST", path, json.dumps(doc).encode(), {}


def _same_number(new: Any, old: Any) -> bool:
    return isinstance(new, int | float) and isinstance(old, int | float) and not isinstance(new, bool)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    if depth > 3 or rng.random() < 0.4:
        return rng.choice(JUNK)
    if rng.random() < 0.5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["evaluatorName", "level", "evaluatorConfig", "rule", "evaluators", "evaluationInput", "tags", "x"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def json_object(rng: random.Random) -> Case:
    doc = (
        {"evaluatorName": random_json(rng), "k": random_json(rng)} if rng.random() < 0.3 else random_json(rng)
    )
    body = json.dumps(doc if isinstance(doc, dict) else {"x": doc}).encode()
    return "json", "POST", rng.choice(sorted(BODIES)), body, {}


def byte_soup(rng: random.Random) -> Case:
    parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 30))]
    body = "".join(parts).encode() + bytes(rng.randrange(256) for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.1:
        depth = rng.randint(65, 5000)
        body = b'{"a":' * depth + b"1" + b"}" * depth
    return "bytes", "POST", rng.choice(sorted(BODIES)), body, {}


def path_segment(rng: random.Random) -> Case:
    route = rng.choice([r for r in model.routes() if "(?P<" in r.pattern.pattern])
    if rng.random() < 0.5:
        segment = rng.choice(SEGMENTS)
    else:
        text = "".join(rng.choice(string.printable + "éß€\u2028") for _ in range(rng.randint(0, 30)))
        segment = quote(text, safe="")
    path = route.operation.http["requestUri"].split("?", 1)[0]
    for name in route.pattern.groupindex:
        path = path.replace("{" + name + "}", segment).replace("{" + name + "+}", segment)
    return "path", route.method, path or "/", b"{}", {}


def query(rng: random.Random) -> Case:
    method, path = rng.choice([("GET", "/evaluations/batch-evaluate"), ("POST", "/evaluators")])
    values = ["0", "1", "100", "101", "-1", "1_0", "abc", "", "9" * 30, " 5", "٣"]
    tokens = ["", "!!", "LTE=", "MTA=", "%", "\u00ff", "a" * 500]
    params = {"maxResults": rng.choice(values), "nextToken": rng.choice(tokens)}
    return "query", method, f"{path}?{urlencode(params)}", b"{}", {}


def header(rng: random.Random) -> Case:
    region = rng.choice(["us-east-1", "", "é", "US-EAST-1", "a b", "x" * 100, "../.."])
    auth = rng.choice(
        [SIGNED, f"AWS4-HMAC-SHA256 Credential=t/d/{region}/bedrock-agentcore/aws4_request", "x"]
    )
    headers: dict[str, str | None] = {
        "Authorization": auth,
        "Content-Type": rng.choice([None, "text/plain", "application/x-amz-json-1.1", "\u00e9", ""]),
    }
    if rng.random() < 0.3:
        headers["Content-Length"] = rng.choice(["abc", "-1", "99999999999999999999", "1", " 2"])
    return "header", "POST", rng.choice(["/evaluators", "/evaluators/create"]), b'{"level": 1}', headers


KINDS: list[Callable[[random.Random], Case]] = [retyped, json_object, byte_soup, path_segment, query, header]


def run(endpoint: str, count: int, seed: int) -> tuple[Counter[str], list[str], float]:
    rng = random.Random(seed)
    statuses: Counter[str] = Counter()
    problems: list[str] = []
    started = time.perf_counter()
    for index in range(count):
        kind, method, path, body, headers = rng.choice(KINDS)(rng)
        try:
            reply = send(endpoint, method, path, body, headers=headers)
        except OSError as exc:
            reply = Reply(0, {}, repr(exc).encode())
        statuses[f"{reply.status} {reply.headers.get('x-amzn-errortype', '-')}"] += 1
        sent = path + body.decode("latin-1") + json.dumps(headers)
        found = check(reply, sent) if kind in MAY_SUCCEED else violations(reply, sent)
        if found:
            problems.append(f"#{index} {kind} {method} {path[:80]} {body[:80]!r}: {'; '.join(found)}")
    return statuses, problems, time.perf_counter() - started


def still_serving(endpoint: str) -> bool:
    client = boto3.client(
        "bedrock-agentcore-control",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    return bool(client.list_evaluators(maxResults=5)["evaluators"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    server = EmulatorServer(port=0).start()
    try:
        statuses, problems, seconds = run(server.endpoint, args.count, args.seed)
        alive = still_serving(server.endpoint)
    finally:
        server.stop()
    for key, number in sorted(statuses.items()):
        print(f"{number:7d}  {key}")
    for problem in problems[:30]:
        print("VIOLATION", problem)
    print(f"requests: {args.count}  violations: {len(problems)}  {args.count / seconds:.0f} req/s")
    print(f"boto3 call after the campaign: {'ok' if alive else 'FAILED'}")
    return 0 if not problems and alive else 1


if __name__ == "__main__":
    sys.exit(main())
