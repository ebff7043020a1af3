"""Only the developer's own tools drive the emulator: Host, Origin, content type, SigV4 shape, admin token."""

from __future__ import annotations

import http.client
import json
import stat
from urllib.parse import urlsplit

import pytest

from evalctl.emulator import tokens
from evalctl.emulator.gate import TOKEN_HEADER, allowed_hosts
from evalctl.emulator.testing import Admin, AdminRequestError

SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/bedrock-agentcore/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)
CREATE = json.dumps(
    {
        "evaluatorName": "csrf_probe",
        "level": "SESSION",
        "evaluatorConfig": {
            "codeBased": {"lambdaConfig": {"lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}}
        },
    }
)


def send(endpoint: str, method: str, path: str, body: str = "", **headers: str) -> tuple[int, str]:
    where = urlsplit(endpoint)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in {"Host": where.netloc, **headers}.items():
        if value:
            conn.putheader(name.replace("_", "-"), value)
    conn.putheader("Content-Length", str(len(body.encode())))
    conn.endheaders(body.encode())
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


def faults_now(emulator) -> dict:
    return emulator.admin._call("GET", "faults")


def test_a_cross_site_request_changes_nothing(emulator):
    """Probe 1: the issue's text/plain POST with a foreign Host and Origin is refused on both surfaces."""
    browser = {"Host": "attacker.example", "Origin": "http://attacker.example", "Content_Type": "text/plain"}
    before = faults_now(emulator)
    status, _ = send(emulator.endpoint, "POST", "/_emulator/faults", '{"error_rate": 1}', **browser)
    assert status == 403
    status, _ = send(emulator.endpoint, "POST", "/evaluators/create", CREATE, **browser, Authorization=SIGV4)
    assert status == 403
    assert faults_now(emulator) == before
    control = emulator.client("bedrock-agentcore-control")
    assert control.list_evaluators()["evaluators"] == [] or all(
        e["evaluatorName"] != "csrf_probe" for e in control.list_evaluators()["evaluators"]
    )


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ({"Host": "attacker.example:4566"}, 403, "DNS rebinding: a foreign Host"),
        ({"Origin": "http://127.0.0.1"}, 403, "any Origin header is a browser"),
        ({"Sec_Fetch_Mode": "no-cors"}, 403, "fetch metadata is a browser"),
        ({"Sec_Fetch_Mode": "cors", "Sec_Fetch_Site": "cross-site"}, 403, "a browser's cors request"),
        ({"Sec_Fetch_Mode": "cors", "Sec_Fetch_Dest": "empty"}, 403, "Node never sends Sec-Fetch-Dest"),
        ({"Authorization": ""}, 403, "AWS routes need a SigV4-shaped Authorization"),
        ({"Authorization": "Bearer abc"}, 403, "another authorization scheme"),
        ({"Content_Type": "text/plain"}, 415, "a form or text body on a JSON route"),
        ({"Content_Type": "multipart/form-data; boundary=x"}, 415, "multipart"),
    ],
)
def test_browser_shaped_requests_are_refused(emulator, headers, status, reason):
    """Each rule alone refuses a request that would otherwise have been served."""
    base = {"Content_Type": "application/json", "Authorization": SIGV4}
    got, body = send(emulator.endpoint, "POST", "/evaluators/create", CREATE, **{**base, **headers})
    assert got == status, (reason, body)
    assert "message" in json.loads(body)
    control = emulator.client("bedrock-agentcore-control")
    assert all(e["evaluatorName"] != "csrf_probe" for e in control.list_evaluators()["evaluators"])


def test_the_same_request_with_sane_headers_is_served(emulator):
    """The control: the gate's rules refuse only what they name."""
    base = {"Content_Type": "application/json", "Authorization": SIGV4}
    status, body = send(emulator.endpoint, "POST", "/evaluators/create", CREATE, **base)
    assert status == 202, body


def test_node_fetch_metadata_is_served(emulator):
    """Node's fetch() (the official AgentCore CLI's data-plane client) adds a lone Sec-Fetch-Mode: cors."""
    base = {"Content_Type": "application/json", "Authorization": SIGV4, "Sec_Fetch_Mode": "cors"}
    status, body = send(emulator.endpoint, "POST", "/evaluators/create", CREATE, **base)
    assert status == 202, body


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_names_of_the_served_port_are_accepted(emulator, host):
    port = urlsplit(emulator.endpoint).port
    status, _ = send(
        emulator.endpoint,
        "GET",
        "/_emulator/health",
        Host=f"{host}:{port}",
        **{TOKEN_HEADER.replace("-", "_"): emulator.admin.token},
    )
    assert status == 200
    assert f"{host}:{port + 1}" not in allowed_hosts("127.0.0.1", port)


def test_admin_needs_the_per_run_token(emulator):
    """/_emulator/* without the token (or with a wrong one) is 401; our own client sends it."""
    for token in ("", "wrong-token"):
        status, _ = send(
            emulator.endpoint,
            "POST",
            "/_emulator/reset",
            "{}",
            **{"Content_Type": "application/json", TOKEN_HEADER.replace("-", "_"): token},
        )
        assert status == 401
    with pytest.raises(AdminRequestError):
        Admin(emulator.endpoint, token="wrong-token").reset()
    assert emulator.admin._call("GET", "health") == {"ok": True}


def test_moto_routes_keep_working_with_their_own_content_types(emulator):
    """IAM and STS (form-encoded), Logs (x-amz-json-1.1) and Lambda (rest-json) pass the gate."""
    iam = emulator.client("iam")
    iam.create_role(RoleName="gate-probe", AssumeRolePolicyDocument="{}")
    assert emulator.client("sts").get_caller_identity()["Account"]
    logs = emulator.client("logs")
    logs.create_log_group(logGroupName="/gate/probe")
    assert logs.describe_log_groups(logGroupNamePrefix="/gate/")["logGroups"]
    assert emulator.client("lambda").list_functions()["Functions"] == []


def test_token_file_is_private(tmp_path):
    path = tokens.write_token_file(tmp_path / "sub" / "emulator.token", "abc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tokens.token_for("http://127.0.0.1:1", path) == "abc"


def test_binding_beyond_loopback_warns_loudly(capsys):
    tokens.warn_if_exposed("127.0.0.1")
    assert capsys.readouterr().err == ""
    tokens.warn_if_exposed("0.0.0.0")
    assert "WARNING" in capsys.readouterr().err


def test_large_bodies_are_served_one_at_a_time():
    """Probe 4: while one large body is inside the app, the gate admits no second one."""
    import threading

    from evalctl.emulator.gate import LARGE_BODY, RequestGate

    inside, release = threading.Event(), threading.Event()

    def app(environ, start_response):
        inside.set()
        release.wait(60)
        return [b"{}"]

    gate = RequestGate(app, "t")
    gate.bind("127.0.0.1", 1)
    environ = {
        "HTTP_HOST": "127.0.0.1:1",
        "PATH_INFO": "/evaluators/create",
        "HTTP_AUTHORIZATION": SIGV4,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(LARGE_BODY + 1),
    }
    worker = threading.Thread(target=gate, args=(environ, lambda *a: None))
    worker.start()
    assert inside.wait(60)
    assert not gate._large.acquire(blocking=False), "a second large body would have to wait"
    release.set()
    worker.join(60)
    assert gate._large.acquire(blocking=False), "the slot is free again"
    small = {**environ, "CONTENT_LENGTH": "10"}
    assert gate(small, lambda *a: None) == [b"{}"], "small bodies never wait for the slot"


def test_otlp_ingest_needs_no_signature_but_refuses_browser_shapes(emulator):
    """OTLP exporters send no SigV4; a form-like body or any Origin is still refused."""
    assert send(emulator.endpoint, "POST", "/v1/traces", "{}", Content_Type="application/json")[0] == 200
    assert send(emulator.endpoint, "POST", "/v1/traces", "{}", Content_Type="text/plain")[0] == 415
    status, _ = send(
        emulator.endpoint,
        "POST",
        "/v1/logs",
        "{}",
        Content_Type="application/json",
        Origin="http://a.example",
    )
    assert status == 403


def test_dataset_download_urls_are_good_only_as_issued(emulator):
    """GetDataset's downloadUrl needs no admin token, but its signature binds the path and expiry."""
    control = emulator.client("bedrock-agentcore-control")
    created = control.create_dataset(
        datasetName="gate_probe",
        schemaType="AGENTCORE_EVALUATION_PREDEFINED_V1",
        source={"inlineExamples": {"examples": [{"scenario_id": "s1", "turns": [{"input": "hi"}]}]}},
    )
    emulator.admin.advance_clock(5)
    url = urlsplit(control.get_dataset(datasetId=created["datasetId"])["downloadUrl"])
    path = f"{url.path}?{url.query}"
    assert send(emulator.endpoint, "GET", path)[0] == 200
    other = path.replace(created["datasetId"], "someone_else-0123456789")
    assert send(emulator.endpoint, "GET", other)[0] == 403
    assert send(emulator.endpoint, "GET", path.replace("expires=", "expires=9"))[0] == 403
    assert send(emulator.endpoint, "GET", path.split("&signature=", maxsplit=1)[0])[0] == 403
    # Anything else under /_emulator/ still needs the token.
    assert send(emulator.endpoint, "GET", "/_emulator/faults")[0] == 401


def test_s3_takes_any_content_type_but_still_needs_a_signature(emulator):
    """PutObject keeps the caller's Content-Type, so S3 routes take text/plain; unsigned they do not."""
    emulator.client("s3").create_bucket(Bucket="gate-probe")
    s3_sigv4 = SIGV4.replace("/bedrock-agentcore/", "/s3/")
    unsigned, _ = send(emulator.endpoint, "PUT", "/gate-probe/k.txt", "hi", Content_Type="text/plain")
    assert unsigned == 403
    status, body = send(
        emulator.endpoint, "PUT", "/gate-probe/k.txt", "hi", Content_Type="text/plain", Authorization=s3_sigv4
    )
    assert status == 200, body
    got = emulator.client("s3").get_object(Bucket="gate-probe", Key="k.txt")
    assert (got["Body"].read(), got["ContentType"]) == (b"hi", "text/plain")
