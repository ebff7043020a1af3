"""A recommendation's result for a reviewer: the current and the recommended text as a unified diff, a
summary.md and a side-by-side report.html, and the write-back of the recommended text into its file."""

from __future__ import annotations

import difflib
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

Text = str | dict[str, str]


class RecommendationFailed(RuntimeError):
    """The service ended the recommendation FAILED (or without a result); the message says why."""


def result_of(done: Mapping[str, Any]) -> dict[str, Any]:
    """The one member of recommendationResult (system prompt or tool descriptions), or {}."""
    return dict(next(iter((done.get("recommendationResult") or {}).values()), {}))


def recommended(done: Mapping[str, Any], current: Text) -> Text:
    """The recommended text (or {tool: description}, unchanged tools kept); RecommendationFailed with
    the service's reason when the status is not COMPLETED."""
    result = result_of(done)
    if done.get("status") != "COMPLETED":
        reason = f"{result.get('errorCode')}: {result.get('errorMessage')}" if result else "no reason given"
        raise RecommendationFailed(f"recommendation {done.get('status')}: {reason}")
    if "recommendedSystemPrompt" in result:
        return str(result["recommendedSystemPrompt"])
    new = {t["toolName"]: t.get("recommendedToolDescription") for t in result.get("tools") or []}
    assert isinstance(current, dict), "a tool-description result needs the current tools"
    return {n: new.get(n) or d for n, d in current.items()}


def explanations(done: Mapping[str, Any]) -> dict[str, str]:
    """The service's explanation(s): `systemPrompt`, or one per tool; blank ones (min 0) are left out."""
    result = result_of(done)
    if str(result.get("explanation") or "").strip():
        return {"systemPrompt": str(result["explanation"])}
    tools = result.get("tools") or []
    return {
        str(t["toolName"]): str(t["explanation"]) for t in tools if str(t.get("explanation") or "").strip()
    }


def label(source: object | None, kind: object) -> str:
    """How a diff names the text: its file, else what it is."""
    if source:
        return str(source)
    return "system prompt" if kind == "SYSTEM_PROMPT_RECOMMENDATION" else "tools"


def as_text(value: Text | list[Any]) -> str:
    """A prompt as it is; tool descriptions as the JSON object a tools file holds."""
    if isinstance(value, str):
        return value
    return json.dumps(dict(value), indent=2, sort_keys=True) + "\n"


def diff(current: Text | list[Any], new: Text | list[Any], label: str) -> str:
    """A unified diff of the current and the recommended text."""
    lines = difflib.unified_diff(
        as_text(current).splitlines(keepends=True), as_text(new).splitlines(keepends=True),
        fromfile=f"{label} (current)", tofile=f"{label} (recommended)",
    )  # fmt: skip
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def write_back(path: Path, new: Text) -> None:
    """Write the recommended text into the file the current text came from."""
    path.write_text(as_text(new), encoding="utf-8")


def _markdown(title: str, facts: Mapping[str, str], patch: str, notes: Mapping[str, str]) -> str:
    rows = "\n".join(f"| {k} | {v} |" for k, v in facts.items())
    lines = [f"# Recommendation {title}", "", "| | |", "|---|---|", rows, "", "## Diff", ""]
    lines += ["```diff", patch.rstrip("\n") or "(no change recommended)", "```", ""]
    if notes:
        lines += ["## Explanation", ""] + [f"- **{k}**: {' '.join(v.split())}" for k, v in notes.items()]
    return "\n".join(lines) + "\n"


def write_report(
    folder: Path, title: str, facts: Mapping[str, str], texts: tuple[Text, Text], *, label: str,
    notes: Mapping[str, str] | None = None,
) -> Path:  # fmt: skip
    """<title>.diff, <title>.md (facts, the diff, the explanation) and <title>.html (side by side);
    returns the markdown's path. `texts` is (current, recommended)."""
    current, new = texts
    folder.mkdir(parents=True, exist_ok=True)
    patch = diff(current, new, label)
    (folder / f"{title}.diff").write_text(patch, encoding="utf-8")
    page = difflib.HtmlDiff(wrapcolumn=100).make_file(
        as_text(current).splitlines(), as_text(new).splitlines(),
        fromdesc=html.escape(f"{label} (current)"), todesc=html.escape(f"{label} (recommended)"),
    )  # fmt: skip
    (folder / f"{title}.html").write_text(page, encoding="utf-8")
    summary = folder / f"{title}.md"
    summary.write_text(_markdown(title, facts, patch, notes or {}), encoding="utf-8")
    return summary
