"""IAM writes through boto3 with the admin credentials: roles, OIDC providers, managed and
inline policies and attachments through their lives, and a table of bad requests with
the error code and HTTP status boto3 reports for each."""

import json
import uuid

import boto3
import botocore
import botocore.config
import botocore.exceptions
import pytest

from conftest import Server
from test_sts import write_token

ACCOUNT = "111122223333"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
PROVIDER_ARN = ("arn:aws:iam::111122223333:oidc-provider/"
                "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def iam_client(server):
    # No client-side validation, so the server's own checks answer the bad-input table.
    config = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
    return boto3.client("iam", endpoint_url=server.url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)


@pytest.fixture
def iam(server):
    return iam_client(server)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def refused(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**params)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_role_lifecycle(iam):
    name = unique("app")
    created = iam.create_role(RoleName=name, Path="/team/", AssumeRolePolicyDocument=json.dumps(TRUST),
                              Description="the app", MaxSessionDuration=7200,
                              Tags=[{"Key": "env", "Value": "dev"}])["Role"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/team/{name}"
    assert created["RoleId"].startswith("AROA") and len(created["RoleId"]) == 21

    role = iam.get_role(RoleName=name.upper())["Role"]
    assert role["RoleName"] == name
    assert role["RoleId"] == created["RoleId"]
    assert role["CreateDate"] == created["CreateDate"]
    assert role["AssumeRolePolicyDocument"] == TRUST, "botocore decodes the URL-encoded document"
    assert role["MaxSessionDuration"] == 7200
    assert role["Description"] == "the app"
    assert role["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert role["RoleLastUsed"] == {}

    # Paging one role at a time visits every role once, in name order.
    names, kwargs = [], {"MaxItems": 1}
    while True:
        page = iam.list_roles(**kwargs)
        assert len(page["Roles"]) == 1
        names.append(page["Roles"][0]["RoleName"])
        if not page["IsTruncated"]:
            break
        kwargs["Marker"] = page["Marker"]
    assert names == sorted(names, key=str.lower) and name in names and "iam-test" in names
    paginated = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(
        PaginationConfig={"PageSize": 1}) for r in page["Roles"]]
    assert paginated == names
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/team/")["Roles"]] == [name]

    iam.update_role(RoleName=name, Description="changed", MaxSessionDuration=3600)
    lambda_trust = json.loads(json.dumps(TRUST).replace("ec2", "lambda"))
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(lambda_trust))
    role = iam.get_role(RoleName=name)["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("changed", 3600)
    assert role["AssumeRolePolicyDocument"] == lambda_trust

    iam.tag_role(RoleName=name, Tags=[{"Key": "ENV", "Value": "prod"}, {"Key": "team", "Value": "a"}])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [
        {"Key": "ENV", "Value": "prod"}, {"Key": "team", "Value": "a"}]
    iam.untag_role(RoleName=name, TagKeys=["env"])
    tags = iam.list_role_tags(RoleName=name)
    assert (tags["Tags"], tags["IsTruncated"]) == ([{"Key": "team", "Value": "a"}], False)

    iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ_ONLY)
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(PERMISSIONS))
    assert refused(iam.delete_role, RoleName=name) == ("DeleteConflict", 409)
    iam.detach_role_policy(RoleName=name, PolicyArn=S3_READ_ONLY)
    assert refused(iam.delete_role, RoleName=name) == ("DeleteConflict", 409)
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    iam.delete_role(RoleName=name)
    assert refused(iam.get_role, RoleName=name) == ("NoSuchEntity", 404)


def test_provider_lifecycle(iam):
    host = unique("issuer")
    url = f"https://{host}.example/id/ABC"
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}.example/id/ABC"
    created = iam.create_open_id_connect_provider(Url=url, Tags=[{"Key": "k", "Value": "v"}])
    assert created["OpenIDConnectProviderArn"] == arn
    assert arn in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]

    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["Url"] == f"{host}.example/id/ABC"
    assert provider.get("ClientIDList", []) == []
    assert provider["Tags"] == [{"Key": "k", "Value": "v"}]
    assert provider["CreateDate"].year >= 2024

    for _ in range(2):
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="never-added")
    thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=[thumbprint])
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    assert provider["ThumbprintList"] == [thumbprint]

    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "team", "Value": "ci"}])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["K"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "team", "Value": "ci"}]

    assert refused(iam.create_open_id_connect_provider, Url=url) == ("EntityAlreadyExists", 409)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert refused(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn) == ("NoSuchEntity", 404)


def test_managed_policy_lifecycle(iam):
    name = unique("reader")
    policy = iam.create_policy(PolicyName=name, Path="/team/", PolicyDocument=json.dumps(PERMISSIONS),
                               Description="reads")["Policy"]
    arn = f"arn:aws:iam::{ACCOUNT}:policy/team/{name}"
    assert (policy["Arn"], policy["DefaultVersionId"], policy["AttachmentCount"]) == (arn, "v1", 0)
    assert policy["PolicyId"].startswith("ANPA")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == "reads"

    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert (version["Document"], version["IsDefaultVersion"]) == (PERMISSIONS, True)
    aws_version = iam.get_policy_version(PolicyArn=S3_READ_ONLY, VersionId="v3")["PolicyVersion"]
    assert "s3:Get*" in aws_version["Document"]["Statement"][0]["Action"]

    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["Arn"] for p in local] == [arn]
    assert arn not in [p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"]]
    assert refused(iam.create_policy, PolicyName=name.upper(), PolicyDocument=json.dumps(PERMISSIONS)) == (
        "EntityAlreadyExists", 409)

    iam.attach_role_policy(RoleName="iam-test", PolicyArn=arn)
    attached = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert [(p["Arn"], p["AttachmentCount"]) for p in attached] == [(arn, 1)]
    assert refused(iam.delete_policy, PolicyArn=arn) == ("DeleteConflict", 409)
    iam.detach_role_policy(RoleName="iam-test", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    assert refused(iam.get_policy, PolicyArn=arn) == ("NoSuchEntity", 404)


def test_attachments(iam):
    role = unique("attached")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    for _ in range(2):
        iam.attach_role_policy(RoleName=role, PolicyArn=S3_READ_ONLY)
    others = [p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"] if p["Arn"] != S3_READ_ONLY]
    for arn in others[:9]:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert refused(iam.attach_role_policy, RoleName=role, PolicyArn=others[9]) == ("LimitExceeded", 409)

    attached = iam.list_attached_role_policies(RoleName=role)
    assert len(attached["AttachedPolicies"]) == 10 and not attached["IsTruncated"]
    assert attached["AttachedPolicies"][0] == {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": S3_READ_ONLY}
    first = iam.list_attached_role_policies(RoleName=role, MaxItems=4)
    rest = iam.list_attached_role_policies(RoleName=role, Marker=first["Marker"])
    assert first["IsTruncated"] and len(first["AttachedPolicies"]) + len(rest["AttachedPolicies"]) == 10

    for arn in [S3_READ_ONLY, *others[:9]]:
        iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    assert refused(iam.detach_role_policy, RoleName=role, PolicyArn=S3_READ_ONLY) == ("NoSuchEntity", 404)
    iam.delete_role(RoleName=role)


def test_inline_policies(iam):
    role = unique("inline")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName=role, PolicyName="b", PolicyDocument=json.dumps(PERMISSIONS))
    iam.put_role_policy(RoleName=role, PolicyName="a", PolicyDocument=json.dumps(PERMISSIONS))
    got = iam.get_role_policy(RoleName=role, PolicyName="a")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == (role, "a", PERMISSIONS)
    listed = iam.list_role_policies(RoleName=role)
    assert (listed["PolicyNames"], listed["IsTruncated"]) == (["a", "b"], False)
    iam.delete_role_policy(RoleName=role, PolicyName="a")
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["b"]
    assert refused(iam.get_role_policy, RoleName=role, PolicyName="a") == ("NoSuchEntity", 404)
    iam.delete_role_policy(RoleName=role, PolicyName="b")
    iam.delete_role(RoleName=role)


def test_writes_survive_a_restart(server):
    iam = iam_client(server)
    name = unique("kept")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    role_id = iam.get_role(RoleName=name)["Role"]["RoleId"]
    server.stop()
    restarted = Server(server.data_dir)
    try:
        assert iam_client(restarted).get_role(RoleName=name)["Role"]["RoleId"] == role_id
    finally:
        restarted.stop()


def test_a_role_made_through_iam_is_assumed_with_a_service_account_token(iam, server, tmp_path):
    # The EKS workshop's IRSA setup done through the API: trust the cluster's provider for
    # one service account, attach a policy, then assume the role with that account's token.
    issuer = PROVIDER_ARN.split("oidc-provider/", 1)[1]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:default:iam-test",
                                       f"{issuer}:aud": "sts.amazonaws.com"}}}]}
    name = unique("irsa")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ_ONLY)
    token = write_token(server, tmp_path / "token").read_text()
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    assumed = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="pytest", WebIdentityToken=token)
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/pytest"

    # Deleting the provider breaks the trust, as in IAM.
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN)
    assert refused(sts.assume_role_with_web_identity, RoleArn=arn, RoleSessionName="pytest",
                   WebIdentityToken=token) == ("InvalidIdentityToken", 400)


LEGACY = json.dumps({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
BAD_INPUTS = [
    ("create_role_bad_name", "create_role", {"RoleName": "a/b", "AssumeRolePolicyDocument": json.dumps(TRUST)}, "ValidationError", 400),
    ("create_role_existing_other_case", "create_role", {"RoleName": "IAM-TEST", "AssumeRolePolicyDocument": json.dumps(TRUST)}, "EntityAlreadyExists", 409),
    ("create_role_not_json", "create_role", {"RoleName": "r", "AssumeRolePolicyDocument": "{"}, "MalformedPolicyDocument", 400),
    ("create_role_permissions_as_trust", "create_role", {"RoleName": "r", "AssumeRolePolicyDocument": json.dumps(PERMISSIONS)}, "MalformedPolicyDocument", 400),
    ("create_role_short_session", "create_role", {"RoleName": "r", "AssumeRolePolicyDocument": json.dumps(TRUST), "MaxSessionDuration": 60}, "ValidationError", 400),
    ("create_role_missing_document", "create_role", {"RoleName": "r"}, "ValidationError", 400),
    ("create_role_signin_session_unsupported", "create_role", {"RoleName": "r", "AssumeRolePolicyDocument": json.dumps(TRUST), "MaxSigninSessionDuration": 3600}, "InvalidInput", 400),
    ("get_role_unknown", "get_role", {"RoleName": "nobody"}, "NoSuchEntity", 404),
    ("delete_role_with_attached_policy", "delete_role", {"RoleName": "iam-test"}, "DeleteConflict", 409),
    ("update_trust_malformed", "update_assume_role_policy", {"RoleName": "iam-test", "PolicyDocument": json.dumps(PERMISSIONS)}, "MalformedPolicyDocument", 400),
    ("update_role_long_session", "update_role", {"RoleName": "iam-test", "MaxSessionDuration": 43201}, "ValidationError", 400),
    ("tag_role_duplicate_keys", "tag_role", {"RoleName": "iam-test", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]}, "InvalidInput", 400),
    ("list_roles_bad_marker", "list_roles", {"Marker": "not-a-marker"}, "InvalidInput", 400),
    ("create_provider_http", "create_open_id_connect_provider", {"Url": "http://issuer.example"}, "InvalidInput", 400),
    ("create_provider_existing", "create_open_id_connect_provider", {"Url": "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"}, "EntityAlreadyExists", 409),
    ("create_provider_short_thumbprint", "create_open_id_connect_provider", {"Url": "https://a.example", "ThumbprintList": ["abc"]}, "ValidationError", 400),
    ("create_provider_six_thumbprints", "create_open_id_connect_provider", {"Url": "https://a.example", "ThumbprintList": [f"{i:040x}" for i in range(6)]}, "LimitExceeded", 409),
    ("get_provider_unknown", "get_open_id_connect_provider", {"OpenIDConnectProviderArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/nowhere.example"}, "NoSuchEntity", 404),
    ("get_provider_not_a_provider_arn", "get_open_id_connect_provider", {"OpenIDConnectProviderArn": f"arn:aws:iam::{ACCOUNT}:role/iam-test"}, "InvalidInput", 400),
    ("update_thumbprint_non_hex", "update_open_id_connect_provider_thumbprint", {"OpenIDConnectProviderArn": PROVIDER_ARN, "ThumbprintList": ["g" * 40]}, "InvalidInput", 400),
    ("create_policy_legacy_version", "create_policy", {"PolicyName": "p", "PolicyDocument": LEGACY}, "MalformedPolicyDocument", 400),
    ("create_policy_bad_path", "create_policy", {"PolicyName": "p", "Path": "nope", "PolicyDocument": json.dumps(PERMISSIONS)}, "ValidationError", 400),
    ("get_policy_version_other", "get_policy_version", {"PolicyArn": S3_READ_ONLY, "VersionId": "v1"}, "NoSuchEntity", 404),
    ("delete_policy_aws_owned", "delete_policy", {"PolicyArn": S3_READ_ONLY}, "AccessDenied", 403),
    ("list_policies_bad_scope", "list_policies", {"Scope": "Mine"}, "ValidationError", 400),
    ("attach_unknown_policy", "attach_role_policy", {"RoleName": "iam-test", "PolicyArn": "arn:aws:iam::aws:policy/Nope"}, "NoSuchEntity", 404),
    ("attach_not_a_policy_arn", "attach_role_policy", {"RoleName": "iam-test", "PolicyArn": "arn:aws:iam::aws:role/NotAPolicy"}, "InvalidInput", 400),
    ("detach_not_attached", "detach_role_policy", {"RoleName": "iam-test", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, "NoSuchEntity", 404),
    ("put_inline_trust_document", "put_role_policy", {"RoleName": "iam-test", "PolicyName": "p", "PolicyDocument": json.dumps(TRUST)}, "MalformedPolicyDocument", 400),
    ("put_inline_unknown_role", "put_role_policy", {"RoleName": "nobody", "PolicyName": "p", "PolicyDocument": json.dumps(PERMISSIONS)}, "NoSuchEntity", 404),
    ("get_inline_unknown", "get_role_policy", {"RoleName": "iam-test", "PolicyName": "p"}, "NoSuchEntity", 404),
    ("delete_inline_unknown", "delete_role_policy", {"RoleName": "iam-test", "PolicyName": "p"}, "NoSuchEntity", 404),
]


@pytest.mark.parametrize("operation,params,code,status",
                         [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs_get_aws_codes(iam, operation, params, code, status):
    assert refused(getattr(iam, operation), **params) == (code, status)
