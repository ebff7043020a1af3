"""Hostile bodies, paths, query strings and headers on the AgentCore routes: always a proper AWS error."""

from __future__ import annotations

import copy
import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalctl.emulator import model
from evalctl.emulator.gate import TOKEN_HEADER
from evalctl.emulator.wirecheck import SIGNED, Reply, check, send, send_truncated, violations
from evalctl.service_models import CONTROL, DATA, service_model
from tests.emulator.helpers import JUDGE_CONFIG, ROLE_ARN

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SPAN = {
    "traceId": "0af7651916cd43dd8448eb211c80319c",
    "spanId": "s1",
    "name": "invoke_agent",
    "startTimeUnixNano": 1,
    "endTimeUnixNano": 2,
    "scope": {"name": "strands.telemetry.tracer"},
    "attributes": {"session.id": "sess-1"},
}
# A valid request per operation: the fuzzers break one member at a time.
VALID: dict[str, tuple[str, str, dict[str, Any]]] = {
    "CreateEvaluator": (
        CONTROL,
        "/evaluators/create",
        {"evaluatorName": "fuzzed", "level": "TRACE", "evaluatorConfig": JUDGE_CONFIG, "tags": {"k": "v"}},
    ),
    "CreateOnlineEvaluationConfig": (
        CONTROL,
        "/online-evaluation-configs/create",
        {
            "onlineEvaluationConfigName": "live",
            "rule": {"samplingConfig": {"samplingPercentage": 10.0}},
            "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["a.DEFAULT"], "logGroupNames": ["/x"]}},
            "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
            "evaluationExecutionRoleArn": ROLE_ARN,
            "enableOnCreate": True,
        },
    ),
    "StartBatchEvaluation": (
        DATA,
        "/evaluations/batch-evaluate",
        {
            "batchEvaluationName": "nightly",
            "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
            "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["a.DEFAULT"]}},
        },
    ),
    "Evaluate": (
        DATA,
        "/evaluations/evaluate/Builtin.Helpfulness",
        {"evaluationInput": {"sessionSpans": [SPAN]}, "evaluationTarget": {"traceIds": [SPAN["traceId"]]}},
    ),
}
# JSON values of another type than each shape accepts (bools pass botocore's int check: none for numbers).
WRONG: dict[str, list[Any]] = {
    "string": [1, 2.5, True, [], {}],
    "integer": ["1", 2.5, [], {}],
    "long": ["1", 2.5, [], {}],
    "float": ["1.0", [], {}],
    "double": ["1.0", [], {}],
    "boolean": ["true", 1, [], {}],
    "list": ["x", 1, {}],
    "map": ["x", 1, []],
    "structure": ["x", 1, []],
    "timestamp": [[], {}],
}
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)


@pytest.fixture(autouse=True)
def _still_serving(control: Any) -> Iterator[None]:
    """After every hostile request of a test, a normal boto3 call still works."""
    yield
    names = [e["evaluatorId"] for e in control.list_evaluators(maxResults=5)["evaluators"]]
    assert names, "the emulator stopped answering ListEvaluators after the fuzzed requests"


def _assert_error(reply: Reply, sent: str = "", code: str | None = None) -> None:
    assert violations(reply, sent) == [], reply
    if code is not None:
        assert reply.headers["x-amzn-errortype"] == code, reply


def _member_paths(
    shape: Shape, value: Any, path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], Shape]]:
    """Every modeled member present in `value` (document contents are free-form: not walked)."""
    if shape.metadata.get("document"):
        return
    if path:
        yield path, shape
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value and not member.serialization.get("location"):
                yield from _member_paths(member, value[name], (*path, name))
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _member_paths(shape.member, item, (*path, index))
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from _member_paths(shape.value, item, (*path, key))


def _replaced(doc: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


def _input_shape(operation: str) -> Shape:
    service, _, _ = VALID[operation]
    shape = service_model(service).operation_model(operation).input_shape
    assert shape is not None
    return shape


@st.composite
def wrong_typed(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    operation = draw(st.sampled_from(sorted(VALID)))
    _, path, doc = VALID[operation]
    members = [(p, s) for p, s in _member_paths(_input_shape(operation), doc) if s.type_name in WRONG]
    where, shape = draw(st.sampled_from(members))
    return (
        path,
        ".".join(map(str, where)),
        _replaced(doc, where, draw(st.sampled_from(WRONG[shape.type_name]))),
    )


@FUZZ
@given(case=wrong_typed())
def test_a_wrong_type_at_any_level_is_a_validation_error(emulator: Any, case: tuple[str, str, Any]) -> None:
    path, where, doc = case
    reply = send(emulator.endpoint, "POST", path, json.dumps(doc).encode())
    _assert_error(reply, code="ValidationException")
    assert where.split(".")[0] in json.loads(reply.body)["message"], f"message must name {where}"


MEMBER_NAMES = sorted({n for op in VALID for n in _input_shape(op).members} | {"llmAsAJudge", "sessionSpans"})
JSON_KEYS = st.sampled_from(MEMBER_NAMES) | st.text(max_size=12)
JSON_VALUES = st.recursive(
    JSON_SCALARS | st.integers(1000, 300_000).map(lambda n: "x" * n),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_KEYS, inner, max_size=4),
    max_leaves=25,
)


@FUZZ
@given(operation=st.sampled_from(sorted(VALID)), doc=st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=6))
def test_arbitrary_json_objects_get_a_client_error(emulator: Any, operation: str, doc: Any) -> None:
    sent = json.dumps(doc)
    reply = send(emulator.endpoint, "POST", VALID[operation][1], sent.encode())
    _assert_error(reply, sent)


RAW_PIECES = [
    b"{", b"}", b"[", b"]", b'"', b":", b",", b"NaN", b"-Infinity", b"1e999", b"\xff", b"\xc3(", b"\x00",
    b'"evaluatorName"', b'"level": "TRACE"', b"\\u", b"\\ud800", b" ", b"null", b"true", b"0x10",
]  # fmt: skip


@FUZZ
@given(
    operation=st.sampled_from(sorted(VALID)),
    body=st.lists(st.sampled_from(RAW_PIECES) | st.binary(max_size=8), min_size=1, max_size=30).map(b"".join),
)
def test_non_json_bodies_are_validation_errors(emulator: Any, operation: str, body: bytes) -> None:
    reply = send(emulator.endpoint, "POST", VALID[operation][1], body)
    _assert_error(reply, body.decode("latin-1"), code="ValidationException")


LABELLED = [r for r in model.routes() if "(?P<" in r.pattern.pattern]
SEGMENTS = (
    st.text(max_size=40).map(lambda s: quote(s, safe=""))
    | st.from_regex(r"[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,40}", fullmatch=True)
    | st.sampled_from(["..", ".", "%", "%2", "%ZZ", "%2F", "%00", "%FF%FE", "a" * 5000, "%C3%A9" * 50])
)


@FUZZ
@given(route=st.sampled_from(LABELLED), segment=SEGMENTS)
def test_arbitrary_path_segments_get_a_client_error(emulator: Any, route: model.Route, segment: str) -> None:
    # Fill every label of the route's template with the same hostile segment.
    template = route.operation.http["requestUri"].split("?", 1)[0]
    path = template
    for name in route.pattern.groupindex:
        path = path.replace("{" + name + "}", segment).replace("{" + name + "+}", segment)
    reply = send(emulator.endpoint, route.method, path or "/", b"{}")
    _assert_error(reply, path)


LISTS = [
    ("GET", "/evaluations/batch-evaluate"),
    ("POST", "/evaluators"),
    ("POST", "/online-evaluation-configs"),
]
QUERY_VALUES = st.integers(min_value=-(10**30), max_value=10**30).map(str) | st.text(max_size=20)


@FUZZ
@given(
    target=st.sampled_from(LISTS),
    max_results=st.none() | QUERY_VALUES,
    token=st.none() | st.text(max_size=30) | st.integers().map(lambda n: f"{n}"),
    junk=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
def test_list_query_strings_never_break_the_contract(
    emulator: Any, target: tuple[str, str], max_results: str | None, token: str | None, junk: dict[str, str]
) -> None:
    query = {**junk, **({"maxResults": max_results} if max_results is not None else {})}
    if token is not None:
        query["nextToken"] = token
    method, path = target
    reply = send(emulator.endpoint, method, f"{path}?{urlencode(query)}", b"{}")
    assert check(reply, urlencode(query)) == [], reply
    numeric = max_results is not None and re.fullmatch(r"-?[0-9]+", max_results)
    if numeric and not 1 <= int(str(max_results)) <= 100:
        _assert_error(reply, code="ValidationException")


LATIN1 = st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="/\x7f")


@FUZZ
@given(
    region=st.text(LATIN1, max_size=20),
    rest=st.text(LATIN1, max_size=40),
    content_type=st.none() | st.text(LATIN1, max_size=30),
)
def test_odd_authorization_and_content_type_headers(
    emulator: Any, region: str, rest: str, content_type: str | None
) -> None:
    auth = f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/bedrock-agentcore/aws4_request, {rest}"
    headers: dict[str, str | None] = {"Authorization": auth, "Content-Type": content_type}
    listed = send(emulator.endpoint, "POST", "/evaluators?maxResults=1", b"", headers=headers)
    assert check(listed) == [] and listed.status == 200, listed
    refused = send(emulator.endpoint, "POST", "/evaluators/create", b'{"level": 1}', headers=headers)
    # The request gate (evalctl/emulator/gate.py) refuses non-JSON bodies before validation.
    media = (content_type or "").split(";", 1)[0].strip().lower()
    json_body = media in ("application/json", "application/x-amz-json-1.0", "application/x-amz-json-1.1")
    code = "ValidationException" if json_body else "UnsupportedMediaTypeException"
    _assert_error(refused, auth + (content_type or ""), code=code)


@dataclass(frozen=True)
class Case:
    """One hand-written hostile request and the error it must earn."""

    reason: str
    method: str
    path: str
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    code: str = "ValidationException"
    says: str = ""


DEEP = b'{"evaluationInput": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3001
EVALUATE = "/evaluations/evaluate/Builtin.Helpfulness"
BATCHES = "/evaluations/batch-evaluate"
BOOLEAN_SCORE = {
    "evaluatorName": "b",
    "level": "TRACE",
    "evaluatorConfig": {
        "llmAsAJudge": {
            **JUDGE_CONFIG["llmAsAJudge"],
            "ratingScale": {"numerical": [{"definition": "d", "value": True, "label": "l"}]},
        }
    },
}


def _spans(*docs: dict[str, Any]) -> bytes:
    return json.dumps({"evaluationInput": {"sessionSpans": list(docs)}}).encode()


CASES = [
    Case("NaN is not JSON; accepting it stored a score the emulator could not answer back",
         "POST", "/evaluators/create", b'{"evaluatorName": NaN}', says="NaN"),
    Case("Infinity is not JSON either", "POST", "/evaluators/create", b'{"level": -Infinity}',
         says="Infinity"),
    Case("1e999 overflows to inf: refused rather than stored",
         "POST", "/online-evaluation-configs/create", b'{"rule": {"samplingConfig": {"x": 1e999}}}',
         says="out of range"),
    Case("nesting 3000 deep overflowed Python's recursion limit (HTML 500)",
         "POST", EVALUATE, DEEP, says="nests deeper"),
    Case("a list nested 5000 deep", "POST", "/evaluators/create", b"[" * 5000 + b"]" * 5000,
         says="nests deeper"),
    Case("invalid UTF-8 is named as such", "POST", "/evaluators/create", b'{"evaluatorName": "\xff"}',
         says="UTF-8"),
    Case("a lone surrogate escape decodes to a string no pattern accepts",
         "POST", "/evaluators/create", b'{"evaluatorName": "\\ud800", "level": "TRACE"}'),
    Case("a JSON array body is not an object", "POST", "/evaluations/batch-evaluate", b"[1, 2]",
         says="JSON object"),
    Case("non-numeric Content-Length crashed the body buffering (HTML 500)",
         "POST", "/evaluators/create", headers={"Content-Length": "abc"}, says="Content-Length"),
    Case("negative Content-Length crashed read()", "POST", "/evaluators/create",
         headers={"Content-Length": "-5"}, says="Content-Length"),
    Case("a 20-digit Content-Length overflowed read()", "POST", "/evaluators/create",
         headers={"Content-Length": "99999999999999999999"}, says="exceeds"),
    Case("Content-Length shorter than the body cuts the JSON", "POST", "/evaluators/create",
         b'{"evaluatorName": "x"}', headers={"Content-Length": "5"}, says="json"),
    Case("text/plain bodies are refused by the request gate (a browser form could send them)", "POST",
         "/evaluators/create", b'{"evaluatorName": 1}', headers={"Content-Type": "text/plain"},
         says="Content-Type", code="UnsupportedMediaTypeException"),
    Case("unknown path signed for AgentCore: moto answered an empty 404", "GET", "/nope",
         code="UnknownOperationException", says="/nope"),
    Case("unknown verb on a known path", "PATCH", "/evaluators/create",
         code="UnknownOperationException"),
    Case("extra path segment after an id", "GET", "/evaluators/Builtin.Helpfulness/extra",
         code="UnknownOperationException"),
    Case("'..' is an id that fails the pattern", "GET", "/evaluators/..", says="evaluatorId"),
    Case("a 5000-character id", "GET", "/evaluators/" + "a" * 5000, says="length less than"),
    Case("percent-encoded slash inside an id", "DELETE", "/evaluators/a%2Fb", says="evaluatorId"),
    Case("unknown but well-formed id", "GET", "/evaluators/ghost-0123456789",
         code="ResourceNotFoundException", says="ghost-0123456789"),
    Case("unknown batch job", "POST", "/evaluations/batch-evaluate/ghost-0123456789/stop",
         code="ResourceNotFoundException"),
    Case("a malformed tag ARN went to moto, which answered 200 {}", "GET", "/tags/%FF",
         says="resourceArn"),
    Case("a negative nextToken offset paged from the end", "GET", BATCHES + "?nextToken=LTEw",
         says="nextToken"),
    Case("a nextToken that is not base64", "POST", "/evaluators?nextToken=%25%25", says="nextToken"),
    Case("maxResults with an underscore: int() took '1_0' as 10", "POST", "/evaluators?maxResults=1_0",
         says="1_0"),
    Case("maxResults above the model's 100", "POST", "/online-evaluation-configs?maxResults=101",
         says="less than or equal to 100"),
    Case("span attributes that are not an object crashed the span reader (500 with a repr)",
         "POST", EVALUATE, _spans({**SPAN, "attributes": 5}),
         says="attributes"),
    Case("a list as session.id is unhashable in the span reader", "POST", EVALUATE,
         _spans({**SPAN, "attributes": {"session.id": []}}),
         says="session.id"),
    Case("a mangled credential scope ('../..') sent moto a service it crashed on (HTML 500)",
         "POST", "/evaluators/create", b'{"level": 1}', says="evaluatorName",
         headers={"Authorization": "AWS4-HMAC-SHA256 Credential=t/d/../../bedrock-agentcore/aws4_request"}),
    Case("JSON true is no number: botocore let it through as 1 and the evaluator was created",
         "POST", "/evaluators/create", json.dumps(BOOLEAN_SCORE).encode(),
         says="must be of type double"),
    Case("type errors no longer show botocore's <class 'int'> reprs", "POST", "/evaluators/create",
         b'{"evaluatorName": 5, "level": "TRACE", "evaluatorConfig": {"llmAsAJudge": []}}',
         says="Member must be of type string"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.reason for c in CASES])
def test_explicit_hostile_requests(emulator: Any, case: Case) -> None:
    headers = {"Content-Length": str(len(case.body)), **case.headers}
    reply = send(emulator.endpoint, case.method, case.path, case.body, headers=headers)
    _assert_error(reply, case.path + case.body.decode("latin-1"), code=case.code)
    assert case.says in json.loads(reply.body)["message"], reply


def test_a_body_shorter_than_its_content_length_is_answered(emulator: Any) -> None:
    # The client announced 100 bytes, sent 12 and closed its side: the server must answer, not wait.
    reply = send_truncated(emulator.endpoint, "/evaluators/create", 100, b'{"evaluatorN')
    _assert_error(reply, code="ValidationException")


def test_a_malformed_chunked_body_is_a_validation_error(emulator: Any) -> None:
    headers = {"Transfer-Encoding": "chunked", "Content-Length": None}
    reply = send(emulator.endpoint, "POST", "/evaluators/create", b"zz\r\n{}\r\n0\r\n\r\n", headers=headers)
    _assert_error(reply, code="ValidationException")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"advanceSeconds": 1e999}', "1e999 parses to inf; an infinite offset broke every later timestamp"),
        (b'{"advanceSeconds": Infinity}', "the Infinity literal is not JSON"),
        (b'{"advanceSeconds": "inf"}', "float('inf') from a string is infinite too"),
    ],
)
def test_the_admin_clock_refuses_infinite_steps(emulator: Any, body: bytes, reason: str) -> None:
    before = emulator.admin.now()
    headers = {"Authorization": None, TOKEN_HEADER: emulator.admin.token}
    reply = send(emulator.endpoint, "POST", "/_emulator/clock", body, headers=headers)
    assert reply.status == 400, reason
    assert emulator.admin.now() - before < 3600, reason


def test_bad_bodies_keep_the_connection_and_the_next_call_works(emulator: Any) -> None:
    # boto3 reuses connections: a refused body must not cost the connection or the call after it.
    where = urlsplit(emulator.endpoint)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
    headers = {"Authorization": SIGNED, "Content-Type": "application/json"}
    try:
        for body in (b'{"evaluatorName": NaN}', b"[" * 100 + b"]" * 100, b"\xff"):
            conn.request("POST", "/evaluators/create", body, headers)
            refused = conn.getresponse()
            assert (refused.status, refused.will_close) == (400, False), body
            refused.read()
        conn.request("POST", "/evaluators?maxResults=1", b"", headers)
        listed = conn.getresponse()
        assert listed.status == 200 and json.loads(listed.read())["evaluators"]
    finally:
        conn.close()
