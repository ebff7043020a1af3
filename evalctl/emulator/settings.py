"""Documented, adjustable durations and quotas of the emulated lifecycles."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
RESULTS_LOG_GROUP = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"
ONLINE_RESULTS_PREFIX = "/aws/bedrock-agentcore/evaluations/results/"
RESERVED_LOG_PREFIX = "/aws/bedrock-agentcore/evaluations/"
SPANS_LOG_GROUP = "aws/spans"
RUNTIME_LOG_PREFIX = "/aws/bedrock-agentcore/runtimes/"
LOCK_MODES = ("any", "enabled")


@dataclass
class Settings:
    """Emulated durations (seconds of emulator time) and per-account quotas.

    A batch evaluation is PENDING for `batch_pending_seconds`, then IN_PROGRESS for
    `batch_session_seconds` per session (at least one session's worth), then terminal.
    Stop takes `stop_seconds` (STOPPING -> STOPPED); Delete keeps DELETING visible for
    `delete_seconds`. Evaluators and online configs spend `resource_seconds` in CREATING
    or UPDATING.

    Control-plane rules whose exact AWS behaviour is undocumented (see the emulator README):
    `token_ttl_seconds` is how long a clientToken is remembered; `lock_mode` is "any" (strict: an
    evaluator is locked while any online configuration references it) or "enabled" (only while an
    ENABLED one does); `lock_release_seconds` keeps the lock that long after the last reference goes.
    """

    resource_seconds: float = 0.2
    batch_pending_seconds: float = 1.0
    batch_session_seconds: float = 2.0
    stop_seconds: float = 1.0
    delete_seconds: float = 1.0
    max_evaluators: int = 1000
    max_online_configs: int = 100
    max_active_batches: int = 10
    token_ttl_seconds: float = 8 * 3600.0
    lock_mode: str = "any"
    lock_release_seconds: float = 0.0
    max_datasets: int = 1000
    agent_timeout_seconds: float = 60.0
    # A dataset batch waits this long (real seconds) per scenario for the agent's spans to arrive over
    # OTLP, checking every `dataset_poll_seconds`: AWS documents no wait (see README).
    dataset_telemetry_seconds: float = 30.0
    dataset_poll_seconds: float = 0.1
    # How many scenarios of one dataset job are being sent to the agent at a time (turns within one stay in
    # order, in its session). AWS documents none: one at a time asks least of the agent (see README).
    dataset_parallel_scenarios: int = 1
    # AWS documents no behaviour for these: the stricter reading is the default (see README).
    dataset_busy_conflicts: bool = True
    dataset_unique_scenario_ids: bool = True
    dataset_refuse_unknown_fields: bool = True
    # Recommendations: PENDING, then IN_PROGRESS for `recommendation_run_seconds`, then terminal.
    # AWS documents no quota nor whether a running one may be deleted: the stricter reading is the
    # default (see README, "Recommendations").
    recommendation_pending_seconds: float = 1.0
    recommendation_run_seconds: float = 5.0
    max_active_recommendations: int = 10
    recommendation_delete_running: bool = False
    # A dataset generation is IN_PROGRESS for `generation_session_seconds` per selected session (at
    # least one session's worth); deleting a running one is a conflict unless allowed.
    generation_session_seconds: float = 1.0
    generation_delete_running: bool = False
    # How many GetQueryResults calls see a Logs Insights query Running before it is Complete.
    insights_running_polls: int = 1
    # UpdateAgentInsightStore keeps the store UPDATING this long; an UpdateAgentInsight to the status
    # the insight already has is a ConflictException (AWS documents neither: see README).
    insight_store_seconds: float = 1.0
    insight_same_status_conflicts: bool = True
    # A customer managed key must exist and be Enabled in moto's KMS, else the store settles in ERROR.
    insight_store_checks_kms: bool = True

    def update(self, **changes: Any) -> None:
        """Apply known keys; an unknown key or a switch given as anything but a JSON boolean raises
        ValueError naming it (bool("false") is True: a quoted false would silently turn a rule on)."""
        known = {f.name: f.type for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; the settings are {', '.join(sorted(known))}")
            current = getattr(self, key)
            if isinstance(current, bool) and not isinstance(value, bool):
                raise ValueError(f"{key} takes true or false, not {value!r}")
            if key == "lock_mode" and value not in LOCK_MODES:
                raise ValueError(f"lock_mode must be one of {', '.join(LOCK_MODES)}")
            converted = type(current)(value)
            if key == "dataset_parallel_scenarios" and converted < 1:
                raise ValueError("dataset_parallel_scenarios must be at least 1")
            setattr(self, key, converted)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
