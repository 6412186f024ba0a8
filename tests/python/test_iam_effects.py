"""IAM and EKS changes made through real clients take effect on the next
AssumeRoleWithWebIdentity: a role built with boto3's IAM client, and a second cluster
made with `aws eks create-cluster` whose tokens its own provider accepts and the first
cluster's roles refuse."""

import json

import boto3
import botocore.exceptions
import pytest
import requests

from test_workshop import BUCKET, aws, admin_env

ACCOUNT = "111122223333"
DEFAULT_ISSUER = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"
THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def client(server, service, **credentials):
    credentials = credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    return boto3.client(service, endpoint_url=server.url, region_name="us-west-2", **credentials)


def trust(issuer, subject):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"}},
        }],
    })


def mint(server, namespace, name, cluster=None):
    prefix = f"/k8s/{cluster}" if cluster else ""
    reply = requests.post(
        f"{server.url}{prefix}/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        json={"spec": {"audiences": ["sts.amazonaws.com"]}}, timeout=10)
    assert reply.status_code == 201, reply.text
    return reply.json()["status"]["token"]


def assume(server, role, token):
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    answer = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="effects", WebIdentityToken=token)
    credentials = answer["Credentials"]
    return {"aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"]}


def refused_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"]


def test_a_role_built_with_boto3_takes_effect_on_the_next_assume(server):
    iam = client(server, "iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(DEFAULT_ISSUER, "system:serviceaccount:apps:app"))
    token = mint(server, "apps", "app")

    session = assume(server, "app", token)
    s3 = client(server, "s3", **session)
    assert refused_code(s3.list_buckets) == "AccessDenied", "a new role has no permissions"

    iam.put_role_policy(RoleName="app", PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
    assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert refused_code(lambda: s3.list_objects_v2(Bucket=BUCKET)) == "AccessDenied"

    iam.attach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    iam.detach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert refused_code(lambda: s3.list_objects_v2(Bucket=BUCKET)) == "AccessDenied"

    iam.update_assume_role_policy(RoleName="app", PolicyDocument=trust(DEFAULT_ISSUER, "system:serviceaccount:apps:other"))
    assert refused_code(lambda: assume(server, "app", token)) == "AccessDenied"
    assert assume(server, "app", mint(server, "apps", "other"))["aws_access_key_id"].startswith("ASIA")

    iam.update_role(RoleName="app", MaxSessionDuration=7200)
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    long = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app", RoleSessionName="long",
        WebIdentityToken=mint(server, "apps", "other"), DurationSeconds=7200)
    assert long["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_a_second_cluster_has_its_own_trust_boundary(server, tmp_path):
    admin = admin_env(server, tmp_path)
    made = aws(admin, "eks", "create-cluster", "--name", "second",
               "--role-arn", f"arn:aws:iam::{ACCOUNT}:role/eks-cluster",
               "--resources-vpc-config", "subnetIds=subnet-1,subnet-2",
               "--query", "cluster.identity.oidc.issuer", "--output", "text")
    assert made.returncode == 0, made.stderr
    issuer = made.stdout.strip()
    assert issuer.startswith("https://oidc.eks.us-west-2.amazonaws.com/id/")
    assert issuer != f"https://{DEFAULT_ISSUER}"
    listed = aws(admin, "eks", "list-clusters", "--query", "clusters", "--output", "text")
    assert listed.stdout.split() == ["eksworkshop-eksctl", "second"], listed.stderr

    provider = aws(admin, "iam", "create-open-id-connect-provider", "--url", issuer,
                   "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", THUMBPRINT,
                   "--query", "OpenIDConnectProviderArn", "--output", "text")
    assert provider.returncode == 0, provider.stderr
    host_path = issuer.removeprefix("https://")
    assert provider.stdout.strip() == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host_path}"

    iam = client(server, "iam")
    iam.create_role(RoleName="second-app", AssumeRolePolicyDocument=trust(host_path, "system:serviceaccount:default:iam-test"))
    iam.attach_role_policy(RoleName="second-app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")

    # Its own keys: the JWKS under its issuer id is not the default cluster's.
    issuer_id = issuer.rsplit("/", 1)[1]
    second_keys = requests.get(f"{server.url}/id/{issuer_id}/keys", timeout=10).json()["keys"]
    first_keys = requests.get(f"{server.url}/keys", timeout=10).json()["keys"]
    assert {k["kid"] for k in second_keys}.isdisjoint({k["kid"] for k in first_keys})

    second_token = mint(server, "default", "iam-test", cluster="second")
    first_token = mint(server, "default", "iam-test")
    session = assume(server, "second-app", second_token)
    assert BUCKET in [b["Name"] for b in client(server, "s3", **session).list_buckets()["Buckets"]]
    # The same service account name on the other cluster is another identity.
    assert refused_code(lambda: assume(server, "iam-test", second_token)) == "AccessDenied"
    assert refused_code(lambda: assume(server, "second-app", first_token)) == "AccessDenied"

    deleted = aws(admin, "eks", "delete-cluster", "--name", "second")
    assert deleted.returncode == 0, deleted.stderr
    assert requests.get(f"{server.url}/id/{issuer_id}/keys", timeout=10).status_code == 404
    # The provider stays, but no cluster or JWKS backs it any more.
    assert refused_code(lambda: assume(server, "second-app", second_token)) == "InvalidIdentityToken"
