"""LogGroup component: a CloudWatch log group declared by a LogGroup spec."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._names import aliased, token

TYPE_TOKEN = token("log_group", "LogGroup")


@dataclass
class LogGroupArgs:
    """Inputs of a LogGroup: its physical name, retention and optional KMS key."""

    log_group_name: pulumi.Input[str]
    retention_in_days: pulumi.Input[int] | None = None
    kms_key_id: pulumi.Input[str] | None = None
    log_group_class: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class LogGroup(pulumi.ComponentResource):
    """An `aws.cloudwatch.LogGroup` parented to this component."""

    arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: LogGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=args.log_group_name,
            retention_in_days=args.retention_in_days,
            kms_key_id=args.kms_key_id,
            log_group_class=args.log_group_class,
            tags=args.tags or None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.log_group.arn
        self.log_group_name = self.log_group.name
        self.register_outputs({"arn": self.arn, "logGroupName": self.log_group_name})
