"""EKS Pod Identity through real clients, as issue 17's acceptance list states it.

The setup is the one a user follows: aws-cli makes a role trusting `pods.eks.amazonaws.com`
with an S3 policy conditioned on `aws:PrincipalTag/kubernetes-namespace`, a bucket and an
object; kubectl makes the service accounts; `aws eks create-pod-identity-association`
associates `default/pi-test` with the role; kubectl's TokenRequest (`kubectl create token
--audience pods.eks.amazonaws.com`) mints the pod identity tokens.

Then a process holding only `AWS_CONTAINER_CREDENTIALS_FULL_URI`,
`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, the region and the endpoint (no keys, no
~/.aws) gets credentials from the default chain of aws-cli, boto3 and the AWS SDK for
JavaScript v3 (tests/js), and is allowed or refused by S3 by its namespace; the association
API's life cycle and bad inputs through boto3; and the refusals of EKS Auth's
AssumeRoleForPodIdentity (boto3's `eks-auth` client) and of the agent's `GET
/v1/credentials` (requests), each with AWS's code and the agent's text/plain shape.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import boto3
import botocore.config
import botocore.exceptions
import jwt
import pytest
import requests

from conftest import FIXTURE_KEY, ROOT, Server, seeded_data_dir

ACCOUNT = "111122223333"
REGION = "us-west-2"
CLUSTER = "eksworkshop-eksctl"
AUDIENCE = "pods.eks.amazonaws.com"
ROLE = "pi-role"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
# A role whose trust allows sts:AssumeRole but not sts:TagSession.
NO_TAG_ROLE = "pi-role-no-tag-session"
NO_TAG_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{NO_TAG_ROLE}"
BUCKET = f"pi-abac-{ACCOUNT}"
OBJECT_KEY = "hello.txt"
OBJECT_BODY = "hello from pod identity"
TAGGED_KEY = "by-tags/hello.txt"
OTHER_NAMESPACE = "pi-other"
PAGE_NAMESPACE = "pi-page"
AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))
KUBECTL = str(pathlib.Path(sys.executable).with_name("kubectl"))
JS_DIR = ROOT / "tests" / "js"
ASSOCIATION_ID = re.compile(r"^a-[0-9a-z]{17}$")
ADMIN = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
# The agent's refusal of an EKS Auth error: `[<request id>]: (<Code>): <message>, fault: client`.
AGENT_EKS_AUTH_ERROR = re.compile(r"^\[([^\]]+)\]: \(([A-Za-z]+)\): (.+), fault: client$", re.S)

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": AUDIENCE},
    "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
NO_TAG_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": AUDIENCE}, "Action": "sts:AssumeRole"}]}
IN_DEFAULT = {"StringEquals": {"aws:PrincipalTag/kubernetes-namespace": "default"}}
ABAC = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}",
     "Condition": IN_DEFAULT},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
     "Condition": IN_DEFAULT},
    # The other namespace's pi-test reads only under by-tags/, by EKS's other session tags.
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/by-tags/*",
     "Condition": {"StringEquals": {
         "aws:PrincipalTag/eks-cluster-name": CLUSTER,
         "aws:PrincipalTag/eks-cluster-arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}",
         "aws:PrincipalTag/kubernetes-namespace": OTHER_NAMESPACE,
         "aws:PrincipalTag/kubernetes-service-account": "pi-test"}}},
]}


def run(args, env, check=True):
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=120)
    if check:
        assert done.returncode == 0, f"{' '.join(map(str, args))}: {done.stdout}\n{done.stderr}"
    return done


def clean_env(home, **extra):
    """No keys, no profile, no config file: only what is named here."""
    return {"PATH": os.environ["PATH"], "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / "no-such-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-such-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true", **extra}


def admin_env(server, home):
    return clean_env(home, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                     AWS_ENDPOINT_URL=server.url, AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION)


def agent_url(server):
    return f"{server.url}/v1/credentials"


def pod_env(server, token_file, home):
    """What the webhook gives a pod in container-credentials mode, plus the endpoint."""
    return clean_env(home,
                     AWS_CONTAINER_CREDENTIALS_FULL_URI=agent_url(server),
                     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
                     AWS_ENDPOINT_URL=server.url, AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION)


def client(server, service, **config):
    return boto3.client(service, endpoint_url=server.url, region_name=REGION, **ADMIN,
                        config=botocore.config.Config(retries={"max_attempts": 1}, **config))


def refused(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**params)
    response = raised.value.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"].get("Message", ""))


class PodIdentity:
    """The module's server, set up once through aws-cli, kubectl and boto3."""

    def __init__(self, server, home):
        self.server = server
        self.home = home
        self.eks = client(server, "eks", parameter_validation=False)
        self.eks_auth = client(server, "eks-auth", parameter_validation=False)
        self.kubeconfig = server.kubeconfig(home)
        self.tokens = {}

    def aws(self, *args, check=True):
        return run([AWS_CLI, *args, "--output", "json"], admin_env(self.server, self.home), check)

    def kubectl(self, *args):
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home),
               "KUBECONFIG": str(self.kubeconfig)}
        return run([KUBECTL, *args], env).stdout

    def token(self, namespace, service_account, audience=AUDIENCE):
        """`kubectl create token`, written to a file with no trailing newline."""
        minted = self.kubectl("create", "token", service_account, "-n", namespace,
                              "--audience", audience).strip()
        assert minted.count(".") == 2, minted
        path = self.home / "tokens" / f"{namespace}-{service_account}-{audience}"
        path.parent.mkdir(exist_ok=True)
        path.write_text(minted)
        return path

    def associate(self, namespace, service_account, role_arn=ROLE_ARN, **extra):
        return self.eks.create_pod_identity_association(
            clusterName=CLUSTER, namespace=namespace, serviceAccount=service_account,
            roleArn=role_arn, **extra)["association"]


@pytest.fixture(scope="module")
def pi(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pod-identity")
    server = Server(seeded_data_dir(tmp))
    home = tmp / "home"
    home.mkdir()
    world = PodIdentity(server, home)
    try:
        setup(world)
        yield world
    finally:
        server.stop()


def setup(pi):
    (pi.home / "trust.json").write_text(json.dumps(TRUST))
    (pi.home / "no-tag-trust.json").write_text(json.dumps(NO_TAG_TRUST))
    (pi.home / "abac.json").write_text(json.dumps(ABAC))
    (pi.home / OBJECT_KEY).write_text(OBJECT_BODY)
    created = json.loads(pi.aws("iam", "create-role", "--role-name", ROLE,
                                "--assume-role-policy-document", f"file://{pi.home}/trust.json").stdout)
    assert created["Role"]["Arn"] == ROLE_ARN
    pi.aws("iam", "put-role-policy", "--role-name", ROLE, "--policy-name", "abac",
           "--policy-document", f"file://{pi.home}/abac.json")
    pi.aws("iam", "create-role", "--role-name", NO_TAG_ROLE,
           "--assume-role-policy-document", f"file://{pi.home}/no-tag-trust.json")
    pi.aws("s3", "mb", f"s3://{BUCKET}")
    pi.aws("s3", "cp", str(pi.home / OBJECT_KEY), f"s3://{BUCKET}/{OBJECT_KEY}")
    client(pi.server, "s3").put_object(Bucket=BUCKET, Key=TAGGED_KEY, Body=OBJECT_BODY.encode())

    for namespace in (OTHER_NAMESPACE, PAGE_NAMESPACE):
        pi.kubectl("create", "namespace", namespace)
    for namespace, name in (("default", "pi-test"), (OTHER_NAMESPACE, "pi-test"),
                            ("default", "pi-lonely"), ("default", "pi-no-tag"),
                            ("default", "pi-untagged")):
        pi.kubectl("create", "serviceaccount", name, "-n", namespace)

    made = pi.aws("eks", "create-pod-identity-association", "--cluster-name", CLUSTER,
                  "--namespace", "default", "--service-account", "pi-test",
                  "--role-arn", ROLE_ARN, "--tags", "team=platform")
    pi.cli_association = json.loads(made.stdout)["association"]
    pi.other_association = pi.associate(OTHER_NAMESPACE, "pi-test")
    pi.no_tag_association = pi.associate("default", "pi-no-tag", NO_TAG_ROLE_ARN)
    pi.associate("default", "pi-untagged", disableSessionTags=True)

    pi.tokens = {
        "default": pi.token("default", "pi-test"),
        "other": pi.token(OTHER_NAMESPACE, "pi-test"),
        "lonely": pi.token("default", "pi-lonely"),
        "no-tag": pi.token("default", "pi-no-tag"),
        "untagged": pi.token("default", "pi-untagged"),
        "irsa-audience": pi.token("default", "pi-test", "sts.amazonaws.com"),
    }
    pi.tokens["expired"] = expired_copy(pi.tokens["default"], pi.home / "tokens" / "expired")
    pi.tokens["garbage"] = pi.home / "tokens" / "garbage"
    pi.tokens["garbage"].write_text("not.a.jwt")


def expired_copy(token_file, path):
    """The token's claims an hour in the past, signed with the cluster's key (the fixture key
    the server's data dir holds) under the same key id: a token the cluster issued two hours
    ago for one hour. TokenRequest's minimum lifetime is 10 minutes, too long to wait."""
    token = token_file.read_text()
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    issued = int(time.time()) - 7200
    claims.update(iat=issued, nbf=issued, exp=issued + 3600)
    path.write_text(jwt.encode(claims, FIXTURE_KEY.read_text(), algorithm="RS256",
                               headers={"kid": header["kid"]}))
    return path


# The association API.

def check_association(association, namespace, service_account, role_arn=ROLE_ARN):
    assert ASSOCIATION_ID.match(association["associationId"]), association
    assert association["associationArn"] == (
        f"arn:aws:eks:{REGION}:{ACCOUNT}:podidentityassociation/{CLUSTER}/"
        f"{association['associationId']}")
    assert (association["clusterName"], association["namespace"], association["serviceAccount"],
            association["roleArn"]) == (CLUSTER, namespace, service_account, role_arn)


def test_aws_cli_creates_and_boto3_describes(pi):
    made = pi.cli_association
    check_association(made, "default", "pi-test")
    assert made["tags"] == {"team": "platform"}
    assert made["disableSessionTags"] is False
    described = pi.eks.describe_pod_identity_association(
        clusterName=CLUSTER, associationId=made["associationId"])["association"]
    check_association(described, "default", "pi-test")
    assert described["tags"] == {"team": "platform"}
    # botocore parses EKS's epoch-second timestamps into datetimes.
    assert described["createdAt"] == described["modifiedAt"]
    assert abs(described["createdAt"].timestamp() - time.time()) < 600
    assert pi.other_association["associationId"] != made["associationId"]


def test_list_filters_and_pages(pi):
    made = {pi.associate(PAGE_NAMESPACE, f"sa-{i}")["associationId"] for i in range(5)}
    everything = pi.eks.list_pod_identity_associations(clusterName=CLUSTER)["associations"]
    assert {a["associationId"] for a in everything} >= made | {pi.cli_association["associationId"]}
    for summary in everything:
        assert set(summary) <= {"clusterName", "namespace", "serviceAccount", "associationArn",
                                "associationId", "ownerArn"}, summary

    in_default = pi.eks.list_pod_identity_associations(clusterName=CLUSTER, namespace="default")
    assert {(a["namespace"], a["serviceAccount"]) for a in in_default["associations"]} == {
        ("default", "pi-test"), ("default", "pi-no-tag"), ("default", "pi-untagged")}
    one = pi.eks.list_pod_identity_associations(clusterName=CLUSTER, serviceAccount="sa-3")
    assert [(a["namespace"], a["serviceAccount"]) for a in one["associations"]] == [
        (PAGE_NAMESPACE, "sa-3")]
    both = pi.eks.list_pod_identity_associations(clusterName=CLUSTER, namespace=OTHER_NAMESPACE,
                                                 serviceAccount="pi-test")["associations"]
    assert [a["associationId"] for a in both] == [pi.other_association["associationId"]]

    seen, token, pages = [], None, 0
    while True:
        page = pi.eks.list_pod_identity_associations(
            clusterName=CLUSTER, namespace=PAGE_NAMESPACE, maxResults=2,
            **({"nextToken": token} if token else {}))
        assert len(page["associations"]) <= 2
        seen += [a["associationId"] for a in page["associations"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert pages == 3 and len(seen) == 5 and set(seen) == made, (pages, seen)
    paginated = pi.eks.get_paginator("list_pod_identity_associations").paginate(
        clusterName=CLUSTER, namespace=PAGE_NAMESPACE, PaginationConfig={"PageSize": 4})
    assert [a["associationId"] for page in paginated for a in page["associations"]] == seen


def test_update_and_delete(pi):
    made = pi.associate(OTHER_NAMESPACE, "short-lived", tags={"a": "1"})
    key = {"clusterName": CLUSTER, "associationId": made["associationId"]}
    updated = pi.eks.update_pod_identity_association(
        **key, roleArn=NO_TAG_ROLE_ARN, disableSessionTags=True)["association"]
    check_association(updated, OTHER_NAMESPACE, "short-lived", NO_TAG_ROLE_ARN)
    assert updated["disableSessionTags"] is True
    assert updated["tags"] == {"a": "1"}
    assert updated["createdAt"] == made["createdAt"] <= updated["modifiedAt"]
    described = pi.eks.describe_pod_identity_association(**key)["association"]
    assert described["roleArn"] == NO_TAG_ROLE_ARN and described["disableSessionTags"] is True

    deleted = pi.eks.delete_pod_identity_association(**key)["association"]
    assert deleted["associationId"] == made["associationId"]
    assert refused(pi.eks.describe_pod_identity_association, **key)[:2] == (
        "ResourceNotFoundException", 404)
    listed = pi.eks.list_pod_identity_associations(clusterName=CLUSTER, serviceAccount="short-lived")
    assert listed["associations"] == []
    again = pi.associate(OTHER_NAMESPACE, "short-lived")
    assert again["associationId"] != made["associationId"]


def test_one_association_per_service_account(pi):
    code, status, message = refused(
        pi.eks.create_pod_identity_association, clusterName=CLUSTER, namespace="default",
        serviceAccount="pi-test", roleArn=NO_TAG_ROLE_ARN)
    assert (code, status) == ("ResourceInUseException", 409)
    assert message == f"Association already exists: {pi.cli_association['associationId']}"


def test_associations_survive_a_restart(server):
    client(server, "iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
    eks = client(server, "eks")
    made = eks.create_pod_identity_association(
        clusterName=CLUSTER, namespace="default", serviceAccount="saved", roleArn=ROLE_ARN,
        tags={"kept": "yes"})["association"]
    server.stop()
    restarted = Server(server.data_dir)
    try:
        described = client(restarted, "eks").describe_pod_identity_association(
            clusterName=CLUSTER, associationId=made["associationId"])["association"]
        assert described == made
    finally:
        restarted.stop()


UNKNOWN_ID = "a-0000000000000000z"
BAD_INPUTS = [
    ("create_missing_namespace", "create_pod_identity_association",
     {"clusterName": CLUSTER, "serviceAccount": "x", "roleArn": ROLE_ARN},
     "InvalidParameterException", 400),
    ("create_bad_role_arn", "create_pod_identity_association",
     {"clusterName": CLUSTER, "namespace": "default", "serviceAccount": "x", "roleArn": "pi-role"},
     "InvalidParameterException", 400),
    ("create_unknown_cluster", "create_pod_identity_association",
     {"clusterName": "no-such-cluster", "namespace": "default", "serviceAccount": "x",
      "roleArn": ROLE_ARN}, "ResourceNotFoundException", 404),
    ("describe_unknown_id", "describe_pod_identity_association",
     {"clusterName": CLUSTER, "associationId": UNKNOWN_ID}, "ResourceNotFoundException", 404),
    ("update_unknown_id", "update_pod_identity_association",
     {"clusterName": CLUSTER, "associationId": UNKNOWN_ID, "roleArn": ROLE_ARN},
     "ResourceNotFoundException", 404),
    ("delete_unknown_id", "delete_pod_identity_association",
     {"clusterName": CLUSTER, "associationId": UNKNOWN_ID}, "ResourceNotFoundException", 404),
    ("list_unknown_cluster", "list_pod_identity_associations",
     {"clusterName": "no-such-cluster"}, "ResourceNotFoundException", 404),
    ("list_max_results_0", "list_pod_identity_associations",
     {"clusterName": CLUSTER, "maxResults": 0}, "InvalidParameterException", 400),
    ("list_max_results_101", "list_pod_identity_associations",
     {"clusterName": CLUSTER, "maxResults": 101}, "InvalidParameterException", 400),
]


@pytest.mark.parametrize("operation,params,code,status", [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_association_bad_inputs_get_eks_codes(pi, operation, params, code, status):
    assert refused(getattr(pi.eks, operation), **params)[:2] == (code, status)


# Credentials from the default chains, with only the two variables.

def test_aws_cli_and_boto3_get_the_role_from_the_agent(pi):
    env = pod_env(pi.server, pi.tokens["default"], pi.home)
    caller = json.loads(run([AWS_CLI, "sts", "get-caller-identity", "--output", "json"], env).stdout)
    assert caller["Account"] == ACCOUNT
    assert caller["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/eks-"), caller
    listed = run([AWS_CLI, "s3", "ls", f"s3://{BUCKET}"], env)
    assert OBJECT_KEY in listed.stdout

    answer = boto3_as_pod(pi, "default")
    assert answer["method"] == "container-role"
    assert answer["key"].startswith("ASIA") and answer["token"]
    assert answer["arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/eks-"), answer
    assert answer["keys"] == [TAGGED_KEY, OBJECT_KEY], answer
    assert answer["body"] == answer["tagged"] == OBJECT_BODY, answer


def test_another_namespace_is_refused_by_the_abac_policy(pi):
    env = pod_env(pi.server, pi.tokens["other"], pi.home)
    listed = run([AWS_CLI, "s3", "ls", f"s3://{BUCKET}"], env, check=False)
    assert listed.returncode != 0 and "AccessDenied" in listed.stderr, listed.stderr

    answer = boto3_as_pod(pi, "other")
    assert answer["arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/eks-"), answer
    assert answer["keys"] == "AccessDenied" and answer["body"] == "AccessDenied", answer
    # Its own session tags (cluster name and ARN, namespace, service account) let it in here.
    assert answer["tagged"] == OBJECT_BODY, answer


def test_an_association_without_session_tags_gets_none(pi):
    answer = boto3_as_pod(pi, "untagged")
    assert answer["arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/eks-"), answer
    assert (answer["keys"], answer["body"], answer["tagged"]) == ("AccessDenied",) * 3, answer


BOTO3_POD = f"""
import boto3, botocore.exceptions, json
session = boto3.Session()
credentials = session.get_credentials()
frozen = credentials.get_frozen_credentials()
s3 = session.client("s3")
def attempt(call):
    try:
        return call()
    except botocore.exceptions.ClientError as err:
        return err.response["Error"]["Code"]
print(json.dumps({{
    "method": credentials.method, "key": frozen.access_key, "token": frozen.token,
    "arn": session.client("sts").get_caller_identity()["Arn"],
    "keys": attempt(lambda: [o["Key"] for o in s3.list_objects_v2(Bucket={BUCKET!r})["Contents"]]),
    "body": attempt(lambda: s3.get_object(Bucket={BUCKET!r}, Key={OBJECT_KEY!r})["Body"].read().decode()),
    "tagged": attempt(lambda: s3.get_object(Bucket={BUCKET!r}, Key={TAGGED_KEY!r})["Body"].read().decode()),
}}))
"""


def boto3_as_pod(pi, token):
    done = run([sys.executable, "-c", BOTO3_POD], pod_env(pi.server, pi.tokens[token], pi.home))
    return json.loads(done.stdout)


def test_the_javascript_sdk_v3_gets_the_role_from_the_agent(pi):
    node = shutil.which("node")
    assert node, "node is missing: .ci/run installs Debian's nodejs and npm"
    assert (JS_DIR / "node_modules" / "@aws-sdk" / "credential-providers").is_dir(), \
        "tests/js/node_modules is missing: tests/run.sh installs it (or `npm ci` in tests/js)"
    done = run([node, str(JS_DIR / "pod_identity.mjs")],
               pod_env(pi.server, pi.tokens["default"], pi.home))
    answer = json.loads(done.stdout)
    for found in (answer["chain"], answer["http"]):
        assert found["accessKeyId"].startswith("ASIA") and len(found["accessKeyId"]) == 20, found
        assert found["secretLength"] == 40 and found["hasSessionToken"], found
        assert found["expiration"].endswith("Z"), found
    assert answer["callerAccount"] == ACCOUNT
    assert answer["callerArn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/eks-"), answer


# EKS Auth and the agent, directly.

def test_eks_auth_answers_as_aws_does(pi):
    token = pi.tokens["default"].read_text()
    answer = pi.eks_auth.assume_role_for_pod_identity(clusterName=CLUSTER, token=token)
    assert answer["subject"] == {"namespace": "default", "serviceAccount": "pi-test"}
    assert answer["audience"] == AUDIENCE
    assert answer["podIdentityAssociation"] == {
        "associationArn": pi.cli_association["associationArn"],
        "associationId": pi.cli_association["associationId"]}
    user = answer["assumedRoleUser"]
    session = user["arn"].rsplit("/", 1)[1]
    assert user["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{session}"
    assert session.startswith(f"eks-{CLUSTER}-") and len(session) <= 64, session
    assert re.match(r"^AROA[A-Z0-9]+:" + re.escape(session) + "$", user["assumeRoleId"]), user
    credentials = answer["credentials"]
    assert credentials["accessKeyId"].startswith("ASIA") and credentials["sessionToken"]
    assert len(credentials["secretAccessKey"]) == 40
    assert credentials["expiration"].timestamp() > time.time()


def test_the_agent_answers_the_container_credentials_json(pi):
    token = pi.tokens["default"].read_text()
    answer = requests.get(agent_url(pi.server), headers={"Authorization": token}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "AccountId", "Expiration"}
    assert body["AccountId"] == ACCOUNT and body["AccessKeyId"].startswith("ASIA")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", body["Expiration"]), body


# The token, and EKS Auth's code and status for it.
REFUSALS = [
    ("garbage", "InvalidTokenException", 400),
    ("irsa-audience", "InvalidTokenException", 400),
    ("expired", "ExpiredTokenException", 400),
    ("lonely", "ResourceNotFoundException", 404),
    ("no-tag", "AccessDeniedException", 400),
]


@pytest.mark.parametrize("token,code,status", REFUSALS, ids=[case[0] for case in REFUSALS])
def test_eks_auth_refusals(pi, token, code, status):
    got = refused(pi.eks_auth.assume_role_for_pod_identity, clusterName=CLUSTER,
                  token=pi.tokens[token].read_text())
    assert got[:2] == (code, status), got
    assert got[2], "a message"


@pytest.mark.parametrize("token,code,status",
                         [case for case in REFUSALS if case[0] not in ("expired", "garbage")],
                         ids=[case[0] for case in REFUSALS if case[0] not in ("expired", "garbage")])
def test_the_agent_passes_eks_auth_refusals_on(pi, token, code, status):
    answer = requests.get(agent_url(pi.server),
                          headers={"Authorization": pi.tokens[token].read_text()}, timeout=30)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    shaped = AGENT_EKS_AUTH_ERROR.match(answer.text.rstrip("\n"))
    assert shaped, answer.text
    assert shaped.group(2) == code, answer.text


@pytest.mark.parametrize("authorization,message", [
    (None, "Service account token cannot be empty"),
    ("", "Service account token cannot be empty"),
    ("not-a-jwt", "Service account token cannot be parsed: "),
    ("Bearer {default}", "Service account token cannot be parsed: "),
    # The agent checks a token's expiry itself before it calls EKS Auth.
    ("{expired}", "Service account token failed basic claim validations: "),
], ids=["missing", "empty", "garbage", "bearer-prefix", "expired"])
def test_the_agent_refuses_bad_tokens_itself(pi, authorization, message):
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(
            default=pi.tokens["default"].read_text(), expired=pi.tokens["expired"].read_text())
    answer = requests.get(agent_url(pi.server), headers=headers, timeout=30)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text.startswith(message), answer.text
