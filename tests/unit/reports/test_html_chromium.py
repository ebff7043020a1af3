"""report.html opened in headless Chromium: a screenshot that is not blank, and a DOM with every section."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib

import pytest

from evalctl.reports.html import write_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium); `make test` installs it",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium(tmp_path, *args):
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per row and the inflated scanlines of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, width, height, channels = 8, b"", 0, 0, 3
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), "expected 8-bit RGB or RGBA"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    return width, height, width * channels + 1, zlib.decompress(idat)


def test_screenshot_is_a_rendered_report(tmp_path, gated_results):
    page = write_html(gated_results, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    width, height, stride, pixels = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    # A blank page inflates to a handful of byte values; text, badges and bars give many.
    assert len(set(pixels)) > 64
    rows = {pixels[i + 1 : i + stride] for i in range(0, len(pixels), stride)}
    assert len(rows) > 100, "most scanlines should differ on a rendered report"


def test_dom_has_every_evaluator_section_and_session(tmp_path, gated_results):
    page = write_html(gated_results, tmp_path / "report.html")
    done = _chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = done.stdout
    assert dom.count('class="evaluator"') == len(gated_results.evaluators), done.stderr[-2000:]
    for row in gated_results.evaluators:
        assert f'data-evaluator-id="{row.id}"' in dom
    assert dom.count('<rect class="bar"') == 10 * len(gated_results.evaluators)
    assert dom.count('class="session"') == len(gated_results.sessions)


def _visible_text(dom: str) -> str:
    import html as html_lib
    import re

    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_a_reader_sees_row_verdicts_labels_and_consistent_counts(tmp_path, mixed_results):
    """What the issue saw: trace rows with the session's verdict, `Poor` as passed, n/a for labels."""
    import re

    page = write_html(mixed_results, tmp_path / "report.html")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    rows = {
        (m["target"], m["evaluator"]): m["badge"]
        for m in re.finditer(
            r'<tr class="result" data-status="\w+"><td>(?P<evaluator>[^<]+)</td><td>(?P<target>[^<]+)</td>'
            r'<td><span class="badge \w+">(?P<badge>[^<]+)</span>',
            dom,
        )
    }
    assert rows[("trace trace-a1", "Builtin.Helpfulness")] == "pass"  # its own 1.00, not sess-a's verdict
    assert rows[("trace trace-a2", "Builtin.Helpfulness")] == "low score"
    assert rows[("trace trace-b1", "tone-Ab12Cd34Ef")] == "label"  # `Poor` is not "passed"
    text = _visible_text(dom)
    assert "2 sessions (2 completed, 0 failed), 1 session with a low score" in text
    assert "gates passed" in text and "average = mean over every scored result" in text
    assert "0.70 average (per result)" in text
    assert "labels: Good 1 · Poor 1" in text and "Poor 1" in text
    # The categorical evaluator shows its labels, not an empty score chart.
    tone = dom[dom.index('data-evaluator-id="tone-Ab12Cd34Ef"') :]
    assert "no scored results" not in tone.split("</section>")[0]
    session_badges = re.findall(r'<summary><span class="badge (\w+)">', dom)
    assert sorted(session_badges) == ["failed", "passed"]
