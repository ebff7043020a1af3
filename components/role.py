"""Role component: an IAM role with its trust policy and one inline least-privilege policy."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

TYPE_TOKEN = "agentcore-evals:role:Role"


@dataclass
class RoleArgs:
    """Inputs of a Role: physical name, trust policy JSON and (optionally) inline policy JSON."""

    role_name: pulumi.Input[str]
    assume_role_policy: pulumi.Input[str]
    policy: pulumi.Input[str] | None = None
    description: pulumi.Input[str] | None = None
    tags: dict[str, str] = field(default_factory=dict)


class Role(pulumi.ComponentResource):
    """An `aws.iam.Role` plus an `aws.iam.RolePolicy` holding the generated grants."""

    arn: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(self, name: str, args: RoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            name,
            name=args.role_name,
            assume_role_policy=args.assume_role_policy,
            description=args.description,
            tags=args.tags or None,
            opts=child,
        )
        self.policy: aws.iam.RolePolicy | None = None
        if args.policy is not None:
            self.policy = aws.iam.RolePolicy(
                f"{name}-grants",
                role=self.role.name,
                name="evalctl-grants",
                policy=args.policy,
                opts=child,
            )
        self.arn = self.role.arn
        self.role_name = self.role.name
        self.register_outputs({"arn": self.arn, "roleName": self.role_name})
