"""Dataset: the dynamic provider that keeps an AgentCore dataset's examples equal to the spec's files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic as dyn
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from components import _identity
from components import _props as shared
from components import _provider as base
from components._names import aliased, token
from evalctl import aws, awsops, dataset_s3, dataset_sync, scenarios

TYPE_TOKEN = token("dataset", "Dataset")
NAME = "datasetName"
SCENARIOS = "scenarios"
# Examples kept in an S3 object instead of the spec: read at creation and when this member changes.
S3 = "s3Source"
# CreateDataset members UpdateDataset cannot change: a new value replaces the dataset.
IMMUTABLE = frozenset({NAME, "schemaType", "kmsKeyArn"})
IN_PLACE = frozenset({"description", "tags", SCENARIOS, "publish", S3})
COMPUTED = ("datasetId", "datasetArn", "datasetVersion", "status")
API = base.Api(
    kind="Dataset",
    noun="dataset",
    id_key="datasetId",
    arn_key="datasetArn",
    name_key=NAME,
    list_key="datasets",
    create_op="CreateDataset",
    update_op="UpdateDataset",
)


class DatasetProvider(base.AgentCoreProvider):
    """Create, sync examples by scenario id, publish versions, refresh drift, adopt, delete."""

    api = API
    keys = IMMUTABLE | IN_PLACE
    immutable = IMMUTABLE
    computed = COMPUTED

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({k: v for k, v in news.items() if v is not None}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return shared.diff_members(olds, news, self.keys, self.immutable)

    def create(self, props: dict[str, Any]) -> CreateResult:
        try:
            control = self.control()
            if props.get(shared.IMPORT_ID):
                detail = self._adopt(control, props, str(props[shared.IMPORT_ID]))
            else:
                self._check_object(props, existing=False)  # CreateDataset would otherwise CREATE_FAIL
                detail = self._create(control, props)
                self.confirm_created(control, str(detail["datasetArn"]))
        except Exception as exc:
            raise self.failure(exc, props) from exc
        return CreateResult(str(detail["datasetId"]), self.outputs(props, detail))

    def create_request(self, props: Mapping[str, Any], name: str) -> dict[str, Any]:
        """CreateDataset with the first examples inline when they fit one call."""
        request: dict[str, Any] = {
            NAME: name,
            "schemaType": props.get("schemaType") or "AGENTCORE_EVALUATION_PREDEFINED_V1",
            "tags": awsops.with_owner_tags(props.get("tags"), str(props.get(shared.OWNER, ""))),
        }
        request.update({k: props[k] for k in ("description", "kmsKeyArn") if props.get(k) is not None})
        wanted = list(props.get(SCENARIOS) or [])
        if props.get(S3):
            request["source"] = {S3: {"s3Uri": props[S3]["s3Uri"]}}  # `revision` is ours, not the API's
        elif 0 < len(wanted) <= dataset_sync.BATCH:
            request["source"] = {"inlineExamples": {"examples": wanted}}
        return request

    def _create(self, control: Any, props: Mapping[str, Any]) -> dict[str, Any]:
        """Create (or adopt a crashed run's copy, or take the alternate name while replacing)."""
        detail = self.create_or_adopt(control, props, str(props[NAME]))
        if "latestVersion" in detail:  # adopted: converge already synced and published
            return detail
        ident = str(detail["datasetId"])
        wanted = list(props.get(SCENARIOS) or [])
        if len(wanted) > dataset_sync.BATCH and not props.get(S3):
            self._sync(control, ident, wanted)
        return self._published(control, props, ident, changed=True)

    def converge(self, control: Any, props: Mapping[str, Any], ident: str) -> dict[str, Any]:
        return self._adopt(control, props, ident)

    def _adopt(self, control: Any, props: Mapping[str, Any], ident: str) -> dict[str, Any]:
        """An existing dataset becomes ours: tags, description and examples brought to the spec."""
        detail = API.get(control, ident)
        arn = str(detail["datasetArn"])
        owned = awsops.with_owner_tags(props.get("tags"), str(props.get(shared.OWNER, "")))
        awsops.sync_tags(control, arn, awsops.live_tags(control, arn), owned)
        if props.get("description") is not None and detail.get("description") != props["description"]:
            control.update_dataset(
                datasetId=ident, description=props["description"], clientToken=dataset_sync.token()
            )
        changed = self._examples(control, ident, {}, props)
        return self._published(control, props, ident, changed or detail.get("draftStatus") == "MODIFIED")

    def _describe(self, control: Any, ident: str, fields: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = control.update_dataset(
            datasetId=ident, clientToken=dataset_sync.token(), **fields
        )
        return result

    def _examples(self, control: Any, ident: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Bring the DRAFT to the spec; whether it changed. Examples in S3 are read again only when the
        URI or `revision` changes (the object's content is not known here), never synced by scenario."""
        if not news.get(S3):
            return self._sync(control, ident, list(news.get(SCENARIOS) or []))
        if olds.get(S3) == news[S3]:
            return False
        self._check_object(news, existing=True)  # reload empties the DRAFT first: fail before that
        dataset_sync.reload(control, ident, news[S3], lambda: self._settle(control, ident))
        return True

    def _check_object(self, props: Mapping[str, Any], existing: bool) -> None:
        """Read the S3 object with the stack's credentials and check its examples as the lint would."""
        if not props.get(S3):
            return
        uri = str(props[S3]["s3Uri"])
        s3 = _identity.client("s3", self.client_settings(), self.identity())
        schema_type = str(props.get("schemaType") or scenarios.PREDEFINED)
        try:
            dataset_s3.checked(s3, uri, schema_type)
        except dataset_s3.ObjectError as exc:
            resource, source = f"Dataset {props.get(NAME, '?')}", str(props.get(shared.SOURCE, "?"))
            text = dataset_s3.message(exc, uri, resource, source, existing)
            raise aws.AwsError(text, "InvalidS3Source") from exc

    def _sync(self, control: Any, ident: str, wanted: list[dict[str, Any]]) -> bool:
        changes = dataset_sync.plan(dataset_sync.live_examples(control, ident), wanted)
        dataset_sync.apply(control, ident, changes, lambda: self._settle(control, ident))
        return not changes.empty

    def _settle(self, control: Any, ident: str) -> None:
        self.await_active(control, {"datasetId": ident, "status": "UPDATING"}, ident)

    def _published(self, control: Any, props: Mapping[str, Any], ident: str, changed: bool) -> dict[str, Any]:
        """Publish a version when asked and the DRAFT changed; the detail carries the version to pin."""
        if props.get("publish") and changed:
            self.when_ready(
                control,
                ident,
                lambda: control.create_dataset_version(datasetId=ident, clientToken=dataset_sync.token()),
            )
            self._settle(control, ident)
        detail = API.get(control, ident)
        versions = control.list_dataset_versions(datasetId=ident, maxResults=1)["versions"]
        detail["latestVersion"] = versions[0]["datasetVersion"] if versions else "DRAFT"
        return detail

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: description and examples as live (example drift shows as a scenarios diff)."""
        control = self.control()
        try:
            detail = self._published(control, {}, str(props.get("datasetId") or id_), changed=False)
        except Exception as exc:
            if awsops.is_not_found(exc):
                return ReadResult(None, {})
            raise self.failure(exc, props) from exc
        if detail.get("status") == "DELETING":
            return ReadResult(None, {})
        inputs = {k: v for k, v in props.items() if k in shared.BOOKKEEPING - {"__provider"}}
        inputs.update({k: props[k] for k in IMMUTABLE | {"publish", "tags", S3} if k in props})
        inputs[NAME] = detail[NAME]
        if "description" in props or detail.get("description"):
            inputs["description"] = detail.get("description")
        if not props.get(S3):  # S3 examples are the object's, not declared: no drift to show
            live = dataset_sync.live_examples(control, id_)
            inputs[SCENARIOS] = dataset_sync.ordered(live, list(props.get(SCENARIOS) or []))
        elif props.get("publish") and dataset_s3.unread(detail):
            inputs[S3] = {**props[S3], dataset_s3.UNREAD: True}  # not the spec's: the next `up` reads again
        return ReadResult(id_, self.outputs(inputs, detail), inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        ident = str(olds["datasetId"])
        try:
            control = self.control()
            self.sync_declared_tags(control, str(olds["datasetArn"]), olds, news)
            if news.get("description") != olds.get("description") and news.get("description") is not None:
                described = {"description": news["description"]}
                self.when_ready(control, ident, lambda: self._describe(control, ident, described))
            changed = self._examples(control, ident, olds, news)
            turned_on = bool(news.get("publish")) and not olds.get("publish")
            detail = self._published(control, news, ident, changed or turned_on)
        except Exception as exc:
            raise self.failure(exc, news) from exc
        return UpdateResult(self.outputs(news, detail))

    def outputs(self, props: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k in self.keys or k in shared.BOOKKEEPING}
        outs.update(
            datasetId=str(detail["datasetId"]),
            datasetArn=str(detail["datasetArn"]),
            datasetVersion=str(detail.get("latestVersion") or "DRAFT"),
            status=str(detail.get("status") or "ACTIVE"),
        )
        return outs


class DatasetResource(dyn.Resource, module="dataset", name="Dataset"):
    """The dynamic resource; scenarios (with expected responses) are kept as secrets."""

    datasetId: pulumi.Output[str]
    datasetArn: pulumi.Output[str]
    datasetVersion: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=[SCENARIOS])
        super().__init__(
            DatasetProvider(),
            name,
            {**props, **dict.fromkeys(COMPUTED)},
            pulumi.ResourceOptions.merge(opts, secret),
        )


class DatasetArgs(shared.SpecArgs):
    """The dataset's fields (datasetName set, scenarios gathered from the spec's files)."""


class Dataset(pulumi.ComponentResource):
    """One dataset, reconciled by `DatasetProvider`."""

    dataset_id: pulumi.Output[str]
    dataset_version: pulumi.Output[str]
    # components.dataset.version_key of its declaration, set by the stack.
    version_key: str | None = None

    def __init__(self, name: str, args: DatasetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        props = shared.resource_props(args.spec, args.source, TYPE_TOKEN, name, args.import_id)
        child = shared.child_options(self, opts)
        self.resource = DatasetResource(name, props, child)
        self.dataset_id = self.resource.datasetId
        self.dataset_version = self.resource.datasetVersion
        self.register_outputs({"datasetId": self.dataset_id, "datasetVersion": self.dataset_version})


def build_datasets(decls: list[Any], physical: Any, tags: Any) -> dict[str, Dataset]:
    """One Dataset per `Dataset` declaration, its scenarios gathered from the spec and its files."""
    from evalctl.datasets import gather

    built: dict[str, Dataset] = {}
    for decl in decls:
        spec = {k: v for k, v in decl.spec.items() if k not in ("files", SCENARIOS)}
        found, _ = gather(decl.spec, str(decl.file), lambda _p: (1, 1))  # the lint has run already
        spec[SCENARIOS] = [item.scenario for item in found]
        spec[NAME] = physical(decl)
        spec["tags"] = {**(decl.spec.get("tags") or {}), **tags(decl)}
        args = DatasetArgs(spec=spec, source=str(decl.file), import_id=decl.import_id)
        built[decl.name] = Dataset(f"dataset-{decl.name}", args)
        built[decl.name].version_key = version_key(spec)
    return built


# The examples part of a version key when the provider publishes nothing (`publish` off).
UNPUBLISHED = "unpublished"


def version_key(spec: Mapping[str, Any]) -> str:
    """What decides the dataset's newest published version, known before `up`: `<dataset>:<examples>`,
    the digest of the members whose change replaces the dataset, then, with `publish` on, the digest of
    its examples by scenario id (the provider publishes when they changed, whatever their order), else
    `unpublished`. Examples in S3 are not known before `up`: what the provider reads them again for
    stands in for them, the object's URI and the spec's `revision` (an object rewritten under the same
    URI without a new `revision` is neither read nor published)."""
    dataset = shared.identity_digest({k: spec.get(k) for k in sorted(IMMUTABLE)})
    if not spec.get("publish"):
        return f"{dataset}:{UNPUBLISHED}"
    if spec.get(S3):
        return f"{dataset}:{shared.identity_digest({S3: spec[S3]})}"
    found = [(scenarios.scenario_id(e), scenarios.content(e)) for e in spec.get(SCENARIOS) or []]
    by_id = sorted(found, key=lambda item: item[0])
    return f"{dataset}:{shared.identity_digest({'examples': by_id})}"


def same_dataset(old: Any, new: Any) -> bool:
    """Whether a Dataset whose version key goes from `old` to `new` keeps its id (not replaced)."""
    if not isinstance(old, str) or not isinstance(new, str) or ":" not in old or ":" not in new:
        return False
    return old.split(":")[0] == new.split(":")[0]


def same_version(old: Any, new: Any) -> bool:
    """Whether it also publishes no new version: `publish` off now, or on before and the examples
    unchanged (turning `publish` on publishes one, as the provider's update does)."""
    if not same_dataset(old, new):
        return False
    before, after = str(old).split(":")[1], str(new).split(":")[1]
    return after in (UNPUBLISHED, before)
