"""Kinds, the API version and the name/reference patterns of specs, without pydantic.

`evalctl validate` checks documents against the committed JSON Schemas and needs only these
constants; keeping them apart from the pydantic models spares it importing pydantic.
"""

from __future__ import annotations

API_VERSION = "evalctl/v1alpha1"
# Kind -> schema file stem (schemas/<stem>.schema.json); the order of the dispatch schema.
KIND_FILES: dict[str, str] = {
    "Evaluator": "evaluator",
    "OnlineEvaluation": "online-evaluation",
    "BatchEvaluation": "batch-evaluation",
    "GroundTruth": "ground-truth",
    "Role": "role",
    "LogGroup": "log-group",
    "EvaluatorTest": "evaluator-test",
    "Dataset": "dataset",
    "InsightStore": "insight-store",
    "Recommendation": "recommendation",
}
NAME_PATTERN = "^[a-z][a-z0-9-]{0,39}$"
BUILTIN = r"Builtin\.[a-zA-Z0-9._-]+"
THIRD_PARTY = r"ThirdParty\.[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+"
AGENTCORE_ID = r"[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}"
EVALUATOR_ARN = r"arn:aws[a-zA-Z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:evaluator/" + AGENTCORE_ID
LOGICAL = "[a-z][a-z0-9-]{0,39}"
# A Dataset's s3Source.s3Uri: s3://<bucket name as S3 allows it>/<key>.
S3_URI = r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/.{1,1024}"
# botocore's EvaluatorId/InsightId patterns; the spec lint (refs.py) explains values that miss them.
EVALUATOR_REF_PATTERN = f"^(?:{BUILTIN}|{THIRD_PARTY}|{LOGICAL}|{AGENTCORE_ID}|{EVALUATOR_ARN})$"
INSIGHT_REF_PATTERN = f"^(?:{BUILTIN}|{AGENTCORE_ID})$"
