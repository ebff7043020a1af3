"""Physical AWS names derived from metadata.name and the stack, fitted to each API's pattern."""

from __future__ import annotations

import re

AGENTCORE_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,47}")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9-_]{1,64}")
EXPLICIT_FIELD = {
    "Evaluator": "evaluatorName",
    "OnlineEvaluation": "onlineEvaluationConfigName",
    "BatchEvaluation": "batchEvaluationName",
    "Role": "roleName",
    "LogGroup": "logGroupName",
    "Dataset": "datasetName",
}


def agentcore_name(name: str, stack: str) -> str:
    """`response-tone` in stack `dev` -> `response_tone_dev` (AgentCore names allow no '-')."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", f"{name}_{stack}")


# botocore RecommendationName: [a-zA-Z][a-zA-Z0-9_-]{0,47}; `pulumi up` ends one in `_<digest>`.
RECOMMENDATION_NAME_LENGTH, RECOMMENDATION_DIGEST_LENGTH = 48, 10


def recommendation_base(name: str, stack: str) -> str:
    """The stem of every recommendation a spec starts: its AgentCore name in the stack."""
    return agentcore_name(name, stack)


def recommendation_stem(base: str) -> str:
    """What every recommendation `pulumi up` starts for the spec is named by: `base` cut so that
    `_<digest>` fits. Two specs with one stem would find each other's runs: the lint refuses them."""
    return base[: RECOMMENDATION_NAME_LENGTH - RECOMMENDATION_DIGEST_LENGTH - 1]


def role_name(name: str, stack: str) -> str:
    return re.sub(r"[^\w+=,.@-]", "-", f"{name}-{stack}")


def function_name(name: str, stack: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", f"{name}-{stack}")


def log_group_name(name: str, stack: str) -> str:
    return f"/evalctl/{stack}/{name}"


def physical_name(kind: str, name: str, spec: dict[str, object], stack: str) -> str | None:
    """The name the resource gets in AWS: the spec's explicit one, else the derived one."""
    explicit = spec.get(EXPLICIT_FIELD.get(kind, ""))
    if isinstance(explicit, str) and explicit:
        return explicit
    if kind in ("Evaluator", "OnlineEvaluation", "BatchEvaluation", "Dataset"):
        return agentcore_name(name, stack)
    if kind == "Role":
        return role_name(name, stack)
    if kind == "LogGroup":
        return log_group_name(name, stack)
    return None


def name_problem(kind: str, physical: str) -> str | None:
    """Why a physical name does not fit its API's pattern, or None."""
    if kind in (
        "Evaluator",
        "OnlineEvaluation",
        "BatchEvaluation",
        "Dataset",
    ) and not AGENTCORE_NAME.fullmatch(physical):
        return (
            f"'{physical}' does not fit [a-zA-Z][a-zA-Z0-9_]{{0,47}} ({len(physical)} characters, at most 48)"
        )
    if kind == "Role" and not ROLE_NAME.fullmatch(physical):
        return f"'{physical}' is longer than IAM's 64 characters ({len(physical)})"
    return None


# Evaluator, online-evaluation and batch names are unique in the account, so a create-before-delete
# replacement takes a second name while the old copy holds the declared one.
ALTERNATE_SUFFIX = "_bg"


def alternate_name(declared: str) -> str:
    """The second name of a kind whose names are unique: `<declared[:45]>_bg` (fits 48 chars)."""
    return f"{declared[: 48 - len(ALTERNATE_SUFFIX)]}{ALTERNATE_SUFFIX}"


# Batch names are unique in the account (botocore StartBatchEvaluation `batchEvaluationName`), so each
# `evalctl run` starts under its own name: the declared one cut to fit, `_r` and six hex digits.
RUN_SUFFIX_LENGTH = 8


def run_name(declared: str, token: str) -> str:
    """The name one `evalctl run` of a batch starts under: `<declared[:40]>_r<token>`."""
    return f"{declared[: 48 - RUN_SUFFIX_LENGTH]}_r{token}"


def is_run_of(name: str, declared: str) -> bool:
    """True when job `name` is a run of the batch declared as `declared` (pulumi's or evalctl's)."""
    return name in (declared, alternate_name(declared)) or is_run_name(name, declared)


def is_run_name(name: str, declared: str) -> bool:
    """True when `name` is `run_name(declared, <6 hex digits>)`."""
    stem = re.escape(declared[: 48 - RUN_SUFFIX_LENGTH])
    return re.fullmatch(stem + r"_r[0-9a-f]{6}", name) is not None
