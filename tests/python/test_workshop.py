"""The EKS workshop's IRSA flow through aws-cli and boto3: a pod with only the IRSA
variables lists buckets and learns who it is, is refused what its role does not allow,
and the admin creates a bucket and round-trips a file."""

import json
import os
import pathlib
import re
import subprocess
import sys

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import ROOT, Server, seeded_data_dir
from test_sts import irsa_env, write_token

AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))
BUCKET = "eksworkshop-111122223333-us-west-2"
PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"


def aws(env, *args):
    return subprocess.run([AWS_CLI, *args], env=env, capture_output=True, text=True, check=False)


def admin_env(server, home):
    env = {key: value for key, value in irsa_env(server, home / "unused", home).items()
           if key not in ("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    return env


def test_workshop_flow_with_aws_cli(server, tmp_path):
    pod = irsa_env(server, write_token(server, tmp_path / "token"), tmp_path)

    listed = aws(pod, "s3", "ls")
    assert listed.returncode == 0, listed.stderr
    assert BUCKET in listed.stdout

    identity = aws(pod, "sts", "get-caller-identity", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    answer = json.loads(identity.stdout)
    assert answer["Arn"].startswith("arn:aws:sts::111122223333:assumed-role/iam-test/")
    assert answer["Account"] == "111122223333"
    assert answer["UserId"].startswith("AROA")

    refused = aws(pod, "s3", "mb", "s3://not-allowed-for-the-pod")
    assert refused.returncode != 0
    # AWS's words since 2024, naming the session aws-cli chose for itself.
    assert re.search(
        r"AccessDenied.*User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-\d+ "
        r"is not authorized to perform: s3:CreateBucket on resource: "
        r"\"arn:aws:s3:::not-allowed-for-the-pod\" because no identity-based policy allows the "
        r"s3:CreateBucket action", refused.stderr), refused.stderr

    admin = admin_env(server, tmp_path)
    made = aws(admin, "s3", "mb", "s3://admin-made-bucket")
    assert made.returncode == 0, made.stderr
    assert aws(admin, "sts", "get-caller-identity", "--query", "Arn", "--output", "text").stdout.strip() \
        == "arn:aws:iam::111122223333:root"

    original = tmp_path / "upload.bin"
    original.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    up = aws(admin, "s3", "cp", str(original), "s3://admin-made-bucket/dir/file.bin")
    assert up.returncode == 0, up.stderr
    down = aws(admin, "s3", "cp", "s3://admin-made-bucket/dir/file.bin", str(tmp_path / "download.bin"))
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "download.bin").read_bytes() == original.read_bytes()

    # The pod's read-only role can read what the admin wrote, and list it.
    read = aws(pod, "s3", "ls", "s3://admin-made-bucket/dir/")
    assert read.returncode == 0, read.stderr
    assert "file.bin" in read.stdout


def test_wrong_credentials_are_refused_with_aws_codes(server, tmp_path):
    env = admin_env(server, tmp_path)
    env.update(AWS_ACCESS_KEY_ID="AKIDNOTKNOWN", AWS_SECRET_ACCESS_KEY="x")
    assert "InvalidClientTokenId" in aws(env, "sts", "get-caller-identity").stderr
    assert "InvalidAccessKeyId" in aws(env, "s3", "ls").stderr
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="wrong")
    assert "SignatureDoesNotMatch" in aws(env, "sts", "get-caller-identity").stderr
    assert "SignatureDoesNotMatch" in aws(env, "s3", "ls").stderr


def trust(condition):
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}]}


@pytest.fixture
def world_server(tmp_path):
    world = json.loads((ROOT / "fixtures" / "default-world.json").read_text())
    sub = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:sub"
    world["roles"].append({
        "name": "reports-reader",
        "assumeRolePolicyDocument": trust({"StringEquals": {sub: "system:serviceaccount:default:reports"}}),
        "inlinePolicies": {"reports": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/reports/*"}]}},
    })
    world["roles"].append({
        "name": "s3-admin",
        "assumeRolePolicyDocument": trust({"StringEquals": {sub: "system:serviceaccount:default:s3-admin"}}),
        "attachedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
    })
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    running = Server(seeded_data_dir(tmp_path), "--config", str(path))
    yield running
    running.stop()


def assumed_client(server, tmp_path, service_account, role, **session):
    token = write_token(server, tmp_path / f"{service_account}.token", service_account).read_text()
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    credentials = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::111122223333:role/{role}", RoleSessionName="pytest",
        WebIdentityToken=token, **session)["Credentials"]
    return boto3.client("s3", endpoint_url=server.url, region_name="us-west-2",
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_a_prefix_policy_reads_there_and_nowhere_else(world_server, tmp_path):
    admin = boto3.client("s3", endpoint_url=world_server.url, region_name="us-west-2",
                         aws_access_key_id="test", aws_secret_access_key="test")
    admin.put_object(Bucket=BUCKET, Key="reports/2024.csv", Body=b"a,b\n1,2\n")
    admin.put_object(Bucket=BUCKET, Key="secrets/key.txt", Body=b"hunter2")
    reader = assumed_client(world_server, tmp_path, "reports", "reports-reader")
    assert reader.get_object(Bucket=BUCKET, Key="reports/2024.csv")["Body"].read() == b"a,b\n1,2\n"
    assert error_code(lambda: reader.get_object(Bucket=BUCKET, Key="secrets/key.txt")) == "AccessDenied"
    assert error_code(lambda: reader.put_object(Bucket=BUCKET, Key="reports/new.csv", Body=b"x")) == "AccessDenied"


def test_a_session_policy_narrows_a_role_that_allows_everything(world_server, tmp_path):
    full = assumed_client(world_server, tmp_path, "s3-admin", "s3-admin")
    full.put_object(Bucket=BUCKET, Key="free/one.txt", Body=b"1")
    narrow_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    narrowed = assumed_client(world_server, tmp_path, "s3-admin", "s3-admin", Policy=narrow_policy)
    assert narrowed.get_object(Bucket=BUCKET, Key="free/one.txt")["Body"].read() == b"1"
    assert error_code(lambda: narrowed.put_object(Bucket=BUCKET, Key="free/two.txt", Body=b"2")) == "AccessDenied"
    assert error_code(lambda: narrowed.list_buckets()) == "AccessDenied"
