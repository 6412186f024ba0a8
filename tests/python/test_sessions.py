"""A role session belongs to the role that issued it, not to whatever role later carries
its name: AWS keys a session to the role's unique id (AROA…), and a role deleted and
created again with the same name is another principal
(https://docs.aws.amazon.com/eks/latest/APIReference/API_AccessEntry.html, `principalArn`;
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
The old session's credentials still authenticate (temporary credentials "are valid through
the expiration period and cannot be revoked", and permissions are evaluated on each
request: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html),
so GetCallerIdentity, which needs no permission, still answers with the old role id, while
every call that needs a permission is AccessDenied. Malformed `PolicyArns` lists are
refused rather than read as no session policy."""

import json

import boto3
import botocore.exceptions
import pytest
import requests

from test_iam_effects import ACCOUNT, DEFAULT_ISSUER, client, mint, refused_code, trust
from test_workshop import BUCKET

SUBJECT = "system:serviceaccount:apps:app"


def assume(server, role, token, **extra):
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    answer = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="old", WebIdentityToken=token,
        **extra)
    credentials = answer["Credentials"]
    return answer["AssumedRoleUser"]["AssumedRoleId"], {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"]}


def test_a_recreated_role_does_not_inherit_the_old_roles_sessions(server):
    iam = client(server, "iam")
    first_id = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(DEFAULT_ISSUER, SUBJECT))["Role"]["RoleId"]
    iam.attach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    token = mint(server, "apps", "app")
    old_id, old = assume(server, "app", token)
    assert old_id.startswith(f"{first_id}:")
    old_s3 = client(server, "s3", **old)
    assert BUCKET in [b["Name"] for b in old_s3.list_buckets()["Buckets"]]

    iam.detach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    iam.delete_role(RoleName="app")
    second_id = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(DEFAULT_ISSUER, SUBJECT))["Role"]["RoleId"]
    iam.attach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    assert second_id != first_id

    with pytest.raises(botocore.exceptions.ClientError) as refused:
        old_s3.put_object(Bucket=BUCKET, Key="old-session", Body=b"x")
    error = refused.value.response["Error"]
    assert (error["Code"], refused.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert error["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/old is not authorized to perform: s3:PutObject "
        f'on resource: "arn:aws:s3:::{BUCKET}/old-session" because no identity-based policy allows '
        "the s3:PutObject action")
    assert refused_code(old_s3.list_buckets) == "AccessDenied"
    assert refused_code(lambda: client(server, "iam", **old).get_role(RoleName="app")) == "AccessDenied"
    assert refused_code(lambda: client(server, "eks", **old).list_clusters()) == "AccessDeniedException"
    # GetCallerIdentity needs no permission: it names the session, with the old role's id.
    identity = client(server, "sts", **old).get_caller_identity()
    assert identity["UserId"] == f"{first_id}:old"
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/old"

    new_id, new = assume(server, "app", token)
    assert new_id.startswith(f"{second_id}:")
    client(server, "s3", **new).put_object(Bucket=BUCKET, Key="new-session", Body=b"x")
    assert client(server, "sts", **new).get_caller_identity()["UserId"] == f"{second_id}:old"


def test_a_deleted_roles_session_is_refused(server):
    iam = client(server, "iam")
    iam.create_role(RoleName="gone", AssumeRolePolicyDocument=trust(DEFAULT_ISSUER, SUBJECT))
    iam.attach_role_policy(RoleName="gone", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    _, old = assume(server, "gone", mint(server, "apps", "app"))
    iam.detach_role_policy(RoleName="gone", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    iam.delete_role(RoleName="gone")
    assert refused_code(lambda: client(server, "s3", **old).put_object(Bucket=BUCKET, Key="k", Body=b"x")) == "AccessDenied"


@pytest.mark.parametrize("policy_arns", [
    {"PolicyArns.member.2.arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    {"PolicyArns.member.0.arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    {"PolicyArns.member.one.arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    {"PolicyArns.member.1.Arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    {"PolicyArns.1.arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    {"policyArns.member.1.arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    {"policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})},
])
def test_a_session_policy_the_parser_cannot_read_is_refused_not_dropped(server, policy_arns):
    form = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/iam-test", "RoleSessionName": "malformed",
            "WebIdentityToken": mint(server, "default", "iam-test"), **policy_arns}
    reply = requests.post(server.url, data=form, timeout=10)
    assert reply.status_code == 400, reply.text
    assert "<Code>MalformedInput</Code>" in reply.text
    assert "<Credentials>" not in reply.text
