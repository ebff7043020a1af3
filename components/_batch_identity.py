"""What decides whether a BatchEvaluation keeps its job, known in a preview: the identity keys of the
evaluators it references and the version key of the Dataset it runs, whose ids and version a preview
does not know while they are updated in place."""

from __future__ import annotations

from typing import Any

from components import _props as shared
from components import dataset as datasets

# These change how `pulumi up` waits, not which job runs: they update in place, never replace.
WAIT_FIELDS = ("wait", "waitTimeoutSeconds")
# These describe the job without changing what it evaluates: they update in place too (tags on the
# live job; the description only in state, since there is no UpdateBatchEvaluation).
IN_PLACE = (*WAIT_FIELDS, "description", "tags", "gates")
# Identity keys of the evaluators the spec references (components.evaluator.identity_key).
KEYS = "evaluatorKeys"
# The version key of the Dataset the spec runs (components.dataset.version_key).
DATASET_KEY = "datasetKey"


def job_inputs(spec: dict[str, Any]) -> dict[str, Any]:
    """The members of a spec that decide what is evaluated (runKey included)."""
    return {k: v for k, v in spec.items() if k not in IN_PLACE}


def identity_key(
    name: str, spec: dict[str, Any], evaluator_keys: dict[str, str], dataset_key: str | None = None
) -> str | None:
    """What decides whether a job keeps its ARN, known before `up`: its name, what it evaluates and the
    identity of its evaluators (one replaced replaces the job; one updated in place does not). A
    dataset's `latest` version is decided by `dataset_key` (components.dataset.version_key); None
    without it. With evaluators that keep no member, the key earlier releases stored."""
    dataset = spec.get("dataset")
    latest = isinstance(dataset, dict) and dataset.get("version", "latest") == "latest"
    if latest and not dataset_key:
        return None
    split = {ref: shared.key_parts(key) for ref, key in evaluator_keys.items()}
    parts: dict[str, Any] = {
        "name": name,
        "job": job_inputs(spec),
        "evaluators": {r: d for r, (d, _) in split.items()},
    }
    if latest:
        parts["datasetVersion"] = dataset_key
    return shared.identity_key(parts, (f"{ref}.{m}" for ref, (_, kept) in split.items() for m in kept))


def same_evaluators(olds: Any, news: Any) -> bool:
    """Whether the evaluators of identity keys `olds` keep their ids under keys `news` (by reference)."""
    olds, news = olds or {}, news or {}
    return set(olds) == set(news) and all(shared.same_identity(olds[r], news[r]) for r in news)


def _dataset_ref(old_ref: Any, new_ref: Any, old_key: Any, new_key: Any) -> Any:
    """The dataset reference as it will be: the id and version in state where the preview does not
    know them and the Dataset's version key says they stay (a description, `publish: false`, examples
    in another order); unknown still where they change, so the job is replaced: a new run over it."""
    if not isinstance(old_ref, dict) or not isinstance(new_ref, dict):
        return new_ref
    kept = {"datasetId": datasets.same_dataset(old_key, new_key)}
    kept["datasetVersion"] = datasets.same_version(old_key, new_key)
    ref = dict(new_ref)
    for member, same in kept.items():
        if same and shared.is_unknown(ref.get(member)) and member in old_ref:
            ref[member] = old_ref[member]
    return ref


def previewed(old_spec: dict[str, Any], new_spec: dict[str, Any], olds: Any, news: Any) -> dict[str, Any]:
    """The new job's inputs with the references a preview does not know yet resolved from state where
    their identity keys say they keep their ids (evaluators) or their id and version (the dataset)."""
    old_job, new_job = job_inputs(old_spec), job_inputs(new_spec)
    if shared.contains_unknown(new_job.get("evaluators")) and same_evaluators(olds.get(KEYS), news.get(KEYS)):
        new_job["evaluators"] = old_job.get("evaluators")
    if shared.contains_unknown(new_job.get("dataset")):
        old_key, new_key = olds.get(DATASET_KEY), news.get(DATASET_KEY)
        new_job["dataset"] = _dataset_ref(old_job.get("dataset"), new_job["dataset"], old_key, new_key)
    return new_job


def keys_learned(olds: Any, news: Any, new_spec: dict[str, Any], old_spec: dict[str, Any]) -> bool:
    """Whether state must take the new keys by an update without an API call (`_props.key_learned`):
    evaluators' as there; the dataset's whenever it changes and the job stays, so the next preview
    compares with what the Dataset was last declared as (`publish` turned off, then on, publishes)."""
    old_keys, new_keys, ids = olds.get(KEYS) or {}, news.get(KEYS) or {}, new_spec.get("evaluators")
    same = not shared.contains_unknown(ids) and ids == old_spec.get("evaluators")
    learned = any(shared.key_learned(old_keys.get(r), k, same) for r, k in new_keys.items())
    return learned or (bool(news.get(DATASET_KEY)) and olds.get(DATASET_KEY) != news.get(DATASET_KEY))
