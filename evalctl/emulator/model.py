"""botocore's service models for the two AgentCore services, and routing by method + requestUri."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from botocore.model import OperationModel

from evalctl.service_models import CONTROL, DATA, service_model

# The operations this emulator serves itself; every other request goes to moto.
OPERATIONS: dict[str, tuple[str, ...]] = {
    CONTROL: (
        "CreateEvaluator",
        "GetEvaluator",
        "UpdateEvaluator",
        "DeleteEvaluator",
        "ListEvaluators",
        "CreateOnlineEvaluationConfig",
        "GetOnlineEvaluationConfig",
        "UpdateOnlineEvaluationConfig",
        "DeleteOnlineEvaluationConfig",
        "ListOnlineEvaluationConfigs",
        "CreateDataset",
        "GetDataset",
        "UpdateDataset",
        "DeleteDataset",
        "ListDatasets",
        "CreateDatasetVersion",
        "ListDatasetVersions",
        "AddDatasetExamples",
        "UpdateDatasetExamples",
        "DeleteDatasetExamples",
        "ListDatasetExamples",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        "GetAgentInsightStore",
        "ListAgentInsightStores",
        "UpdateAgentInsightStore",
    ),
    DATA: (
        "StartBatchEvaluation",
        "GetBatchEvaluation",
        "ListBatchEvaluations",
        "StopBatchEvaluation",
        "DeleteBatchEvaluation",
        "Evaluate",
        "InvokeAgentRuntime",
        "StartRecommendation",
        "GetRecommendation",
        "ListRecommendations",
        "DeleteRecommendation",
        "StartDatasetGeneration",
        "GetDatasetGeneration",
        "ListDatasetGenerations",
        "DeleteDatasetGeneration",
        "ListAgentInsights",
        "GetAgentInsight",
        "UpdateAgentInsight",
    ),
}


@dataclass(frozen=True)
class Route:
    """One operation's HTTP binding: a compiled path template and its query-string literal."""

    service: str
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    # An earlier binding of the operation whose members travel in the query string (see LEGACY).
    legacy: bool = False


# The AWS CLI 1.46 bundles an earlier model of the dataset List operations: GET with maxResults,
# nextToken and datasetVersion in the query string. botocore 1.44.5 POSTs a JSON body instead.
# Both bindings are served so both clients work; the query members are parsed by their shapes.
LEGACY: dict[str, str] = {
    "ListDatasets": "/datasets",
    "ListDatasetVersions": "/datasets/{datasetId}/versions",
    "ListDatasetExamples": "/datasets/{datasetId}/examples",
}


def compile_uri(uri: str) -> re.Pattern[str]:
    path = uri.split("?", 1)[0]
    parts: list[str] = []
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            label = name.rstrip("+")
            parts.append(f"(?P<{label}>.+)" if greedy else f"(?P<{label}>[^/]+)")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


@cache
def routes() -> tuple[Route, ...]:
    """All routes, literal-heavy templates first so `/evaluators/create` beats `/evaluators/{id}`."""
    found: list[Route] = []
    for service, names in OPERATIONS.items():
        model = service_model(service)
        for name in names:
            op = model.operation_model(name)
            found.append(Route(service, op, op.http["method"], compile_uri(op.http["requestUri"])))
            if name in LEGACY:
                found.append(Route(service, op, "GET", compile_uri(LEGACY[name]), legacy=True))
    found.sort(key=lambda r: (r.pattern.pattern.count("(?P<"), -len(r.pattern.pattern)))
    return tuple(found)


def match(method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    """The route and raw (still percent-encoded) path labels for a request, or None."""
    for route in routes():
        if route.method != method:
            continue
        found = route.pattern.fullmatch(raw_path)
        if found:
            return route, found.groupdict()
    return None


@cache
def _all_routes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Method and path pattern of every operation of both services, emulated or not."""
    found: list[tuple[str, re.Pattern[str]]] = []
    for service in OPERATIONS:
        model = service_model(service)
        for name in model.operation_names:
            http = model.operation_model(name).http
            found.append((http["method"], compile_uri(http["requestUri"])))
    found.extend(("GET", compile_uri(uri)) for uri in LEGACY.values())
    return tuple(found)


def known_route(method: str, raw_path: str) -> bool:
    """Whether any operation of either AgentCore service (ours or moto's) has this method and path."""
    return any(m == method and pattern.fullmatch(raw_path) for m, pattern in _all_routes())
