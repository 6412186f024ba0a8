"""STS AssumeRoleWithWebIdentity through real AWS clients: boto3's own web identity
credential provider, aws-cli, and boto3's error parsing."""

import json
import os
import pathlib
import subprocess
import sys

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
import pytest

ROLE_ARN = "arn:aws:iam::111122223333:role/iam-test"
AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))


def irsa_env(server, token_file, home):
    """Only what the pod identity webhook gives a pod, plus the endpoint: no keys."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AWS_ROLE_ARN": ROLE_ARN,
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ENDPOINT_URL": server.url,
        "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
    }


def cli_env(server, home):
    """The endpoint and region only: assume-role-with-web-identity is an unsigned call."""
    env = irsa_env(server, home / "unused", home)
    del env["AWS_ROLE_ARN"], env["AWS_WEB_IDENTITY_TOKEN_FILE"]
    return env


def write_token(server, path, service_account="iam-test", *extra):
    minted = server.cli("token", "-n", "default", "-s", service_account, *extra)
    assert minted.returncode == 0, minted.stderr
    path.write_text(minted.stdout.strip())
    return path


def test_boto3_web_identity_provider_gets_credentials(server, tmp_path):
    token_file = write_token(server, tmp_path / "token")
    script = (
        "import boto3, json\n"
        "credentials = boto3.Session().get_credentials()\n"
        "frozen = credentials.get_frozen_credentials()\n"
        "print(json.dumps({'method': credentials.method, 'key': frozen.access_key,"
        " 'secret': frozen.secret_key, 'token': frozen.token}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=irsa_env(server, token_file, tmp_path),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    credentials = json.loads(result.stdout)
    assert credentials["method"] == "assume-role-with-web-identity"
    assert credentials["key"].startswith("ASIA") and len(credentials["key"]) == 20
    assert len(credentials["secret"]) == 40
    assert credentials["token"]


def test_aws_cli_prints_aws_shaped_json(server, tmp_path):
    token = write_token(server, tmp_path / "token").read_text()
    env = cli_env(server, tmp_path)
    result = subprocess.run(
        [AWS_CLI, "sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN,
         "--role-session-name", "cli-session", "--web-identity-token", token, "--output", "json"],
        env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["SubjectFromWebIdentityToken"] == "system:serviceaccount:default:iam-test"
    assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111122223333:assumed-role/iam-test/cli-session"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert answer["Provider"] == ("arn:aws:iam::111122223333:oidc-provider/"
                                  "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4")
    assert answer["Audience"] == "sts.amazonaws.com"
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert set(answer["Credentials"]) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}


def test_aws_cli_reports_a_refusal(server, tmp_path):
    token = write_token(server, tmp_path / "token", "someone-else").read_text()
    env = cli_env(server, tmp_path)
    result = subprocess.run(
        [AWS_CLI, "sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN,
         "--role-session-name", "cli", "--web-identity-token", token],
        env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "AccessDenied" in result.stderr
    assert "Not authorized to perform sts:AssumeRoleWithWebIdentity" in result.stderr


@pytest.mark.parametrize("service_account,extra,code,status", [
    ("someone-else", (), "AccessDenied", 403),
    ("iam-test", ("--audience", "https://kubernetes.default.svc"), "InvalidIdentityToken", 400),
])
def test_boto3_parses_error_codes(server, tmp_path, service_account, extra, code, status):
    token = write_token(server, tmp_path / "token", service_account, *extra).read_text()
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED,
                                                     retries={"max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="boto3", WebIdentityToken=token)
    error = raised.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["ResponseMetadata"]["RequestId"]
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-irsa-local-reason"]
