"""`irsa-local create-iamserviceaccount`, the workshop's eksctl step, run as a user runs
it against a running server; then the pod side with boto3: a token for the new service
account assumes the new role and lists the workshop's bucket."""

import json
import os
import subprocess

import boto3
import botocore.config
import botocore.exceptions
import pytest
import requests

from conftest import BINARY, ROOT, Server, seeded_data_dir

CLUSTER = "eksworkshop-eksctl"
BUCKET = "eksworkshop-111122223333-us-west-2"
READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ISSUER_PATH = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"


def create(server, *args, cluster=CLUSTER, endpoint=None):
    """Runs the command with a clean environment: no AWS_* variables leak in."""
    env = {"PATH": os.environ["PATH"], "HOME": str(server.data_dir)}
    return subprocess.run(
        [BINARY, "create-iamserviceaccount", "--cluster", cluster, *args,
         "--endpoint-url", endpoint or server.url],
        env=env, capture_output=True, text=True, check=False)


def service_account(server, namespace, name):
    return requests.get(f"{server.url}/k8s/{CLUSTER}/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
                        timeout=10)


def token_for(server, namespace, name):
    reply = requests.post(
        f"{server.url}/k8s/{CLUSTER}/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        json={"spec": {"audiences": ["sts.amazonaws.com"]}}, timeout=10)
    assert reply.status_code == 201, reply.text
    return reply.json()["status"]["token"]


def test_the_workshop_step_then_the_pod_lists_buckets(server):
    made = create(server, "--namespace", "apps", "--name", "s3-reader", "--attach-policy-arn", READ_ONLY)
    assert made.returncode == 0, made.stderr
    role_arn = made.stdout.strip()
    assert role_arn.startswith(
        "arn:aws:iam::111122223333:role/eksctl-eksworkshop-eksctl-addon-iamserviceacc-Role1-"), made.stdout
    assert 'created serviceaccount "apps/s3-reader"' in made.stderr

    account = service_account(server, "apps", "s3-reader")
    assert account.status_code == 200, account.text
    metadata = account.json()["metadata"]
    assert metadata["annotations"]["eks.amazonaws.com/role-arn"] == role_arn
    assert metadata["labels"]["app.kubernetes.io/managed-by"] == "eksctl"

    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    credentials = sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s3-reader",
        WebIdentityToken=token_for(server, "apps", "s3-reader"))["Credentials"]
    s3 = boto3.client("s3", endpoint_url=server.url, region_name="us-west-2",
                      aws_access_key_id=credentials["AccessKeyId"],
                      aws_secret_access_key=credentials["SecretAccessKey"],
                      aws_session_token=credentials["SessionToken"])
    assert BUCKET in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]

    # The trust policy names this service account only.
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="other",
                                          WebIdentityToken=token_for(server, "default", "iam-test"))
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_role_name_is_honoured_with_eksctls_trust_policy(server):
    made = create(server, "--namespace", "apps", "--name", "named", "--role-name", "apps-named",
                  "--attach-policy-arn", READ_ONLY)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "arn:aws:iam::111122223333:role/apps-named"

    iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    role = iam.get_role(RoleName="apps-named")["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER_PATH}"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        f"{ISSUER_PATH}:sub": "system:serviceaccount:apps:named",
        f"{ISSUER_PATH}:aud": "sts.amazonaws.com"}}
    attached = iam.list_attached_role_policies(RoleName="apps-named")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [READ_ONLY]
    tags = {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName="apps-named")["Tags"]}
    assert tags == {"alpha.eksctl.io/cluster-name": CLUSTER, "alpha.eksctl.io/iamserviceaccount-name": "apps/named"}


def test_an_existing_service_account_is_excluded_unless_overridden(server):
    kept = create(server, "--namespace", "default", "--name", "iam-test", "--attach-policy-arn", READ_ONLY)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout == ""
    assert "will be excluded" in kept.stderr and "--override-existing-serviceaccounts" in kept.stderr
    annotations = service_account(server, "default", "iam-test").json()["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::111122223333:role/iam-test"

    overridden = create(server, "--namespace", "default", "--name", "iam-test", "--role-name", "iam-test-2",
                        "--attach-policy-arn", READ_ONLY, "--override-existing-serviceaccounts")
    assert overridden.returncode == 0, overridden.stderr
    assert 'updated serviceaccount "default/iam-test"' in overridden.stderr
    annotations = service_account(server, "default", "iam-test").json()["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::111122223333:role/iam-test-2"


def test_a_policy_that_cannot_be_attached_undoes_the_role(server):
    failed = create(server, "--namespace", "apps", "--name", "undone", "--role-name", "apps-undone",
                    "--attach-policy-arn", READ_ONLY, "--attach-policy-arn", "arn:aws:iam::aws:policy/NoSuchPolicy")
    assert failed.returncode == 1
    assert "NoSuchEntity" in failed.stderr and "the role was deleted again" in failed.stderr
    iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        iam.get_role(RoleName="apps-undone")
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"
    assert service_account(server, "apps", "undone").status_code == 404


@pytest.fixture
def second_cluster_server(tmp_path):
    world = json.loads((ROOT / "fixtures" / "default-world.json").read_text())
    world["clusters"].append({
        "name": "second",
        "oidcIssuer": "https://oidc.eks.us-west-2.amazonaws.com/id/5EC0ND0000000000000000000000000A"})
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    running = Server(seeded_data_dir(tmp_path), "--config", str(path))
    yield running
    running.stop()


def test_a_cluster_without_a_provider_fails_with_eksctls_message(second_cluster_server):
    failed = create(second_cluster_server, "--namespace", "apps", "--name", "x", cluster="second")
    assert failed.returncode == 1
    assert 'no IAM OIDC provider associated with cluster "second"' in failed.stderr
    assert "aws iam create-open-id-connect-provider --url https://oidc.eks.us-west-2.amazonaws.com/id/" \
        "5EC0ND0000000000000000000000000A --client-id-list sts.amazonaws.com" in failed.stderr
    assert service_account(second_cluster_server, "apps", "x").status_code == 404


def test_refusals_and_their_exit_codes(server):
    unknown = create(server, "--namespace", "apps", "--name", "x", cluster="no-such-cluster")
    assert unknown.returncode == 1
    assert "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation" \
        in unknown.stderr
    https = create(server, "--namespace", "apps", "--name", "x", endpoint="https://127.0.0.1:4772")
    assert https.returncode == 2 and "only http:// endpoints" in https.stderr
    bad_name = create(server, "--namespace", "apps", "--name", "Not_A_Name")
    assert bad_name.returncode == 2 and "RFC 1123" in bad_name.stderr
