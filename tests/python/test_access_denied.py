"""AccessDenied in AWS's 2024 wording, as boto3 reads it: the caller's assumed-role ARN
with its real session name, the action, the resource (quoted by S3, bare in IAM), and
which kind of policy refused, implicitly or with an explicit deny."""

import json

import boto3
import botocore.config
import botocore.exceptions
import pytest

from test_sts import irsa_env, write_token

ACCOUNT = "111122223333"
BUCKET = "eksworkshop-111122223333-us-west-2"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/iam-test"


def session_credentials(server, tmp_path, **assume):
    token = write_token(server, tmp_path / "token").read_text()
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    answer = sts.assume_role_with_web_identity(
        RoleArn=ROLE_ARN, WebIdentityToken=token, **assume)
    credentials = answer["Credentials"]
    return answer["AssumedRoleUser"]["Arn"], {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def client(server, service, **credentials):
    credentials = credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    return boto3.client(service, endpoint_url=server.url, region_name="us-west-2", **credentials)


def refusal(call):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call()
    error = refused.value.response["Error"]
    return refused.value.response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]


def test_a_read_only_session_is_refused_in_aws_words(server, tmp_path):
    arn, credentials = session_credentials(server, tmp_path, RoleSessionName="reader-7f3a")
    assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/iam-test/reader-7f3a"
    s3 = client(server, "s3", **credentials)
    assert BUCKET in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]

    assert refusal(lambda: s3.create_bucket(Bucket="reader-made-bucket")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:CreateBucket on resource: "
        f"\"arn:aws:s3:::reader-made-bucket\" because no identity-based policy allows the "
        f"s3:CreateBucket action")
    assert refusal(lambda: s3.put_object(Bucket=BUCKET, Key="notes/a.txt", Body=b"x")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:PutObject on resource: "
        f"\"arn:aws:s3:::{BUCKET}/notes/a.txt\" because no identity-based policy allows the "
        f"s3:PutObject action")

    iam = client(server, "iam", **credentials)
    assert refusal(lambda: iam.get_role(RoleName="iam-test")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: iam:GetRole on resource: role iam-test "
        f"because no identity-based policy allows the iam:GetRole action")
    assert refusal(lambda: iam.create_role(RoleName="escalate", AssumeRolePolicyDocument="{}")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: iam:CreateRole on resource: "
        f"arn:aws:iam::{ACCOUNT}:role/escalate because no identity-based policy allows the "
        f"iam:CreateRole action")


def test_the_session_name_botocore_chooses_is_the_one_named(server, tmp_path, monkeypatch):
    """A pod's SDK names its own session (botocore-session-<time>); the message names it."""
    token_file = write_token(server, tmp_path / "token")
    for name, value in irsa_env(server, token_file, tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    session = boto3.Session()
    assert session.get_credentials().method == "assume-role-with-web-identity"
    arn = session.client("sts").get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/iam-test/botocore-session-")
    status, code, message = refusal(lambda: session.client("s3").create_bucket(Bucket="pod-made-bucket"))
    assert (status, code) == (403, "AccessDenied")
    assert message == (f"User: {arn} is not authorized to perform: s3:CreateBucket on resource: "
                       f"\"arn:aws:s3:::pod-made-bucket\" because no identity-based policy allows "
                       f"the s3:CreateBucket action")


def test_session_policies_are_named_as_session_policies(server, tmp_path):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:PutObject"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
    arn, credentials = session_credentials(server, tmp_path, RoleSessionName="narrowed", Policy=policy)
    s3 = client(server, "s3", **credentials)
    assert BUCKET in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]

    assert refusal(lambda: s3.get_object(Bucket=BUCKET, Key="any.txt")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:GetObject on resource: "
        f"\"arn:aws:s3:::{BUCKET}/any.txt\" because no session policy allows the s3:GetObject action")
    # The role allows no PutObject either, but an explicit deny is what AWS names.
    assert refusal(lambda: s3.put_object(Bucket=BUCKET, Key="any.txt", Body=b"x")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:PutObject on resource: "
        f"\"arn:aws:s3:::{BUCKET}/any.txt\" with an explicit deny in a session policy")


def test_an_explicit_deny_in_the_role_is_named(server, tmp_path):
    client(server, "iam").put_role_policy(
        RoleName="iam-test", PolicyName="no-secrets", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/secrets/*"}]}))
    client(server, "s3").put_object(Bucket=BUCKET, Key="secrets/key.txt", Body=b"hunter2")
    arn, credentials = session_credentials(server, tmp_path, RoleSessionName="denied")
    s3 = client(server, "s3", **credentials)
    assert refusal(lambda: s3.get_object(Bucket=BUCKET, Key="secrets/key.txt")) == (
        403, "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:GetObject on resource: "
        f"\"arn:aws:s3:::{BUCKET}/secrets/key.txt\" with an explicit deny in an identity-based policy")
    # HEAD has no body: botocore reports the status alone, as it does for S3's own 403.
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        s3.head_object(Bucket=BUCKET, Key="secrets/key.txt")
    assert refused.value.response["Error"]["Code"] == "403"


def test_the_admin_is_never_refused(server):
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="admin-made-bucket",
                     CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert client(server, "iam").get_role(RoleName="iam-test")["Role"]["RoleName"] == "iam-test"
