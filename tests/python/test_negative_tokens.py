"""Negative tokens through boto3: every defect of `irsa-local token` and of
`POST /_irsa/tokens` makes AssumeRoleWithWebIdentity answer the error the README
documents for it, while a valid control token from the same places succeeds."""

import base64
import json

import boto3
import botocore.config
import botocore.exceptions
import pytest
import requests

from conftest import Server, seeded_data_dir

ROLE_ARN = "arn:aws:iam::111122223333:role/iam-test"
GENERIC = ("The web identity token that was passed could not be validated by AWS. "
           "Get a new identity token from the identity provider and then retry the request.")
NO_KEY = ("Couldn't retrieve verification key from your identity provider,  please reference "
          "AssumeRoleWithWebIdentity documentation for requirements")

# defect → (STS code, HTTP status, start of the message): the README's table.
DEFECTS = {
    "expired": ("ExpiredTokenException", 400, "Token expired: current date/time "),
    "not-yet-valid": ("InvalidIdentityToken", 400, GENERIC),
    "issued-in-future": ("InvalidIdentityToken", 400, GENERIC),
    "other-issuer": ("InvalidIdentityToken", 400,
                     "No OpenIDConnect provider found in your account for "
                     "https://oidc.irsa-local.invalid/id/"),
    "no-audience": ("InvalidIdentityToken", 400, "Missing a required claim: aud"),
    "other-audience": ("InvalidIdentityToken", 400, "Incorrect token audience"),
    "unknown-kid": ("InvalidIdentityToken", 400, NO_KEY),
    "other-cluster-key": ("InvalidIdentityToken", 400, NO_KEY),
    "alg-none": ("InvalidIdentityToken", 400, GENERIC),
    "hs256-public-key": ("InvalidIdentityToken", 400, GENERIC),
    "tampered-payload": ("InvalidIdentityToken", 400, GENERIC),
    "no-subject": ("InvalidIdentityToken", 400, "Missing a required claim: sub"),
}

# The shorthands and offsets of the CLI, and the same through the route's body.
OPTIONS = [
    ("expired_shorthand", ["--expired"], {"defect": "expired"}, "expired"),
    ("exp_offset", ["--exp-offset", "-3600"], {"expOffset": -3600}, "expired"),
    ("exp_offset_past_the_skew", ["--exp-offset", "-301"], {"expOffset": -301}, "expired"),
    ("nbf_offset", ["--nbf-offset", "600"], {"nbfOffset": 600}, "not-yet-valid"),
    ("iat_offset", ["--iat-offset", "600"], {"iatOffset": 600}, "issued-in-future"),
    ("audience_no_provider_lists", ["--audience", "https://kubernetes.default.svc"],
     None, "other-audience"),
]


def sts_client(server):
    return boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                        config=botocore.config.Config(signature_version=botocore.UNSIGNED,
                                                      retries={"max_attempts": 1}))


def assume(server, token):
    return sts_client(server).assume_role_with_web_identity(
        RoleArn=ROLE_ARN, RoleSessionName="negative", WebIdentityToken=token)


def assert_refused(server, token, defect):
    code, status, message = DEFECTS[defect]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        assume(server, token)
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert error["Error"]["Message"].startswith(message), error["Error"]["Message"]


def cli_token(server, *args):
    minted = server.cli("token", "-s", "iam-test", *args)
    assert minted.returncode == 0, minted.stderr
    return minted.stdout.strip()


def route_token(server, body, **headers):
    answer = requests.post(f"{server.url}/_irsa/tokens",
                           json={"serviceAccount": "iam-test", **body}, headers=headers,
                           timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_control_tokens_succeed(server):
    assert assume(server, cli_token(server))["AssumedRoleUser"]["Arn"].startswith(
        "arn:aws:sts::111122223333:assumed-role/iam-test/")
    # Within STS's 300 s of skew an expired token is still taken, as AWS takes it.
    assert assume(server, cli_token(server, "--exp-offset", "-200"))["Credentials"]
    # TokenRequest stays the faithful source of valid tokens.
    created = requests.post(
        f"{server.url}/api/v1/namespaces/default/serviceaccounts/iam-test/token",
        json={"spec": {"audiences": ["sts.amazonaws.com"]}}, timeout=30)
    assert created.status_code == 201, created.text
    assert assume(server, created.json()["status"]["token"])["Credentials"]


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_defect_from_the_cli_gets_its_sts_error(server, defect):
    assert_refused(server, cli_token(server, "--defect", defect), defect)


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_defect_from_the_route_gets_its_sts_error(server, defect):
    answer = route_token(server, {"defect": defect})
    assert answer["defect"] == defect
    assert_refused(server, answer["token"], defect)


@pytest.mark.parametrize("name,cli_args,body,defect", OPTIONS, ids=[o[0] for o in OPTIONS])
def test_shorthands_and_offsets_get_their_defects_error(server, name, cli_args, body, defect):
    assert_refused(server, cli_token(server, *cli_args), defect)
    if body is not None:
        assert_refused(server, route_token(server, body)["token"], defect)


@pytest.mark.parametrize("args,message", [
    (["--defect", "alg-none", "--expired"], "one defect at a time"),
    (["--defect", "expired", "--nbf-offset", "60"], "one defect at a time"),
    (["--exp-offset", "60"], "the exp offset must be negative"),
    (["--iat-offset", "-60"], "the iat offset must be positive"),
    (["--defect", "no-audience", "--audience", "sts.amazonaws.com"], "sets the audience itself"),
    (["--defect", "expird"], "invalid value 'expird'"),
])
def test_combinations_that_make_no_sense_exit_2(server, args, message):
    minted = server.cli("token", "-s", "iam-test", *args)
    assert minted.returncode == 2, minted.stdout
    assert message in minted.stderr, minted.stderr
    assert minted.stdout == ""


@pytest.mark.parametrize("body,status,message", [
    ({"serviceAccount": "iam-test"}, 400, "no defect was asked for"),
    ({"serviceAccount": "iam-test", "defect": "expird"}, 400, 'no defect named "expird"'),
    ({"serviceAccount": "iam-test", "defect": "alg-none", "expOffset": -60}, 400,
     "one defect at a time"),
    ({"serviceAccount": "iam-test", "defect": "expired", "pod": "web"}, 400, "unknown field"),
    ({"serviceAccount": "Bad_Name", "defect": "expired"}, 400, "invalid service account name"),
    ({"serviceAccount": "iam-test", "defect": "expired", "audience": []}, 400,
     "names no audience"),
    ({"serviceAccount": "iam-test", "defect": "expired", "expirationSeconds": 60}, 400,
     "not within 600 to 2^32"),
    ({"serviceAccount": "iam-test", "defect": "expired", "cluster": "nope"}, 404,
     "no cluster named"),
])
def test_the_route_refuses_what_makes_no_sense(server, body, status, message):
    answer = requests.post(f"{server.url}/_irsa/tokens", json=body, timeout=30)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["message"]


def test_the_route_asks_for_the_kube_token_when_the_server_has_one(tmp_path):
    server = Server(seeded_data_dir(tmp_path), "--kube-token", "s3cret")
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            refused = requests.post(f"{server.url}/_irsa/tokens", headers=headers,
                                    json={"serviceAccount": "iam-test", "defect": "expired"},
                                    timeout=30)
            assert refused.status_code == 401, refused.text
        answer = route_token(server, {"defect": "expired"}, Authorization="Bearer s3cret")
        assert_refused(server, answer["token"], "expired")
    finally:
        server.stop()


def header(token):
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_other_cluster_key_is_the_second_clusters_key(server):
    eks = boto3.client("eks", endpoint_url=server.url, region_name="us-west-2",
                       aws_access_key_id="test", aws_secret_access_key="test")
    issuer = eks.create_cluster(
        name="second", roleArn="arn:aws:iam::111122223333:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-1"]})["cluster"]["identity"]["oidc"]["issuer"]
    second = {k["kid"] for k in requests.get(
        f"{server.url}/id/{issuer.rsplit('/', 1)[1]}/keys", timeout=10).json()["keys"]}
    first = {k["kid"] for k in requests.get(f"{server.url}/keys", timeout=10).json()["keys"]}
    for token in (cli_token(server, "--defect", "other-cluster-key"),
                  route_token(server, {"defect": "other-cluster-key"})["token"]):
        assert header(token)["kid"] in second - first
        assert_refused(server, token, "other-cluster-key")
