"""Reading an S3-backed dataset's object before the service does: what each S3 answer tells the user."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from evalctl import dataset_s3

URI = "s3://eval-data/cases/v1.jsonl"


def stubbed(code: str, status: int) -> object:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(s3)
    stub.add_client_error("get_object", code, f"{code} here", status, expected_params=None)
    stub.activate()
    return s3


@pytest.mark.parametrize(
    ("code", "status", "fix"),
    [
        ("AccessDenied", 403, "grant the deploying identity s3:GetObject on " + URI),
        ("NoSuchKey", 404, "upload a valid JSONL object there"),
        ("NoSuchBucket", 404, "upload a valid JSONL object there"),
    ],
)
def test_an_unreadable_object_says_what_to_do_for_its_s3_answer(code: str, status: int, fix: str) -> None:
    with pytest.raises(dataset_s3.ObjectError) as exc:
        dataset_s3.checked(stubbed(code, status), URI, "AGENTCORE_EVALUATION_PREDEFINED_V1")
    text = dataset_s3.message(exc.value, URI, "Dataset cases_dev", "evaluations/cases.yaml", existing=True)
    assert text.startswith(
        f"evaluations/cases.yaml: Dataset cases_dev: `s3Source.s3Uri` {URI} cannot be read"
    )
    assert f"{code}: {code} here" in text and f"To fix: {fix}" in text
    assert "its examples were not changed" in text


def test_an_empty_or_oversized_object_is_refused_as_a_dataset_would_be() -> None:
    schema = "AGENTCORE_EVALUATION_PREDEFINED_V1"
    assert dataset_s3.problems("\n\n", URI, schema) == [
        f"{URI}: holds no examples (a dataset needs at least one scenario)"
    ]
    lines = "".join(f'{{"scenario_id": "s{i}", "turns": [{{"input": "q"}}]}}\n' for i in range(1001))
    assert dataset_s3.problems(lines, URI, schema) == [
        f"{URI}: 1001 examples; a dataset batch runs at most 1000"
    ]
    duplicate = '{"scenario_id": "a", "turns": [{"input": "q"}]}\n' * 2
    (found,) = dataset_s3.problems(duplicate, URI, schema)
    assert found.startswith(f"{URI}:2: duplicate scenario_id 'a'")


@pytest.mark.parametrize(
    ("status", "draft", "read_again"),
    [("ACTIVE", "MODIFIED", True), ("ACTIVE", "UNMODIFIED", False), ("UPDATING", "MODIFIED", False)],
)
def test_only_a_settled_draft_with_unpublished_changes_is_read_again(
    status: str, draft: str, read_again: bool
) -> None:
    # draftStatus is "only authoritative when status is ACTIVE" (botocore, GetDataset).
    assert dataset_s3.unread({"status": status, "draftStatus": draft}) is read_again
