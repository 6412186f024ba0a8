"""SigV2 for S3, as boto3 makes it: `generate_presigned_url` with default settings (the
`AWSAccessKeyId`/`Signature`/`Expires` query form, for the admin and for a role session
with its token), used by a plain HTTP client; and botocore's header form (`HmacV1Auth`,
`signature_version="s3"`). They work as made, expire as S3's do, are refused when
altered, and are refused outright where the world's region takes only SigV4."""

import json
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree

import boto3
import botocore.config
import botocore.exceptions
import pytest
import requests

from conftest import ROOT, Server, seeded_data_dir
from test_sts import write_token

ACCOUNT = "111122223333"
BUCKET = "eksworkshop-111122223333-us-west-2"
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.")


def s3_client(server, region="us-west-2", signature_version=None, **credentials):
    credentials = credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    config = botocore.config.Config(signature_version=signature_version) if signature_version else None
    return boto3.client("s3", endpoint_url=server.url, region_name=region, config=config, **credentials)


def session_credentials(server, tmp_path):
    token = write_token(server, tmp_path / "token").read_text()
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    answer = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/iam-test", RoleSessionName="presigner", WebIdentityToken=token)
    credentials = answer["Credentials"]
    return answer["AssumedRoleUser"]["Arn"], {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def altered(url, name, value):
    parts = urllib.parse.urlsplit(url)
    query = query_of(url)
    query[name] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def without(url, name):
    parts = urllib.parse.urlsplit(url)
    query = {key: value for key, value in query_of(url).items() if key != name}
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def error_of(response):
    """S3's <Error> document as a dict of its elements."""
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Error", response.text
    return {child.tag: child.text or "" for child in root}


def assert_sigv2(url):
    print("presigned:", url)
    query = query_of(url)
    assert {"AWSAccessKeyId", "Signature", "Expires"} <= set(query), url
    assert not any(name.startswith("X-Amz-") for name in query), url


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1"])
def test_default_presigned_urls_are_sigv2_and_work_for_the_admin(server, region):
    s3 = s3_client(server, region)
    s3.put_object(Bucket=BUCKET, Key="shared/report.txt", Body=b"quarterly numbers")
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "shared/report.txt"},
                                        ExpiresIn=300)
    assert_sigv2(get_url)
    got = requests.get(get_url, timeout=10)
    assert got.status_code == 200, got.text
    assert got.content == b"quarterly numbers"

    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "uploads/new.bin"},
                                        ExpiresIn=300)
    assert_sigv2(put_url)
    put = requests.put(put_url, data=b"\x00uploaded through a SigV2 URL", timeout=10)
    assert put.status_code == 200, put.text
    assert s3.get_object(Bucket=BUCKET, Key="uploads/new.bin")["Body"].read() == b"\x00uploaded through a SigV2 URL"

    overridden = s3.generate_presigned_url(
        "get_object", ExpiresIn=300,
        Params={"Bucket": BUCKET, "Key": "shared/report.txt", "ResponseContentType": "text/csv"})
    assert_sigv2(overridden)
    got = requests.get(overridden, timeout=10)
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"] == "text/csv"

    listed = requests.get(s3.generate_presigned_url("list_buckets", ExpiresIn=300), timeout=10)
    assert listed.status_code == 200, listed.text
    assert f"<Name>{BUCKET}</Name>" in listed.text


def test_a_role_session_presigns_with_its_session_token(server, tmp_path):
    s3_client(server).put_object(Bucket=BUCKET, Key="shared/report.txt", Body=b"for the pod")
    arn, credentials = session_credentials(server, tmp_path)
    s3 = s3_client(server, **credentials)
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "shared/report.txt"},
                                        ExpiresIn=300)
    assert_sigv2(get_url)
    assert query_of(get_url)["x-amz-security-token"] == credentials["aws_session_token"]
    got = requests.get(get_url, timeout=10)
    assert got.status_code == 200, got.text
    assert got.content == b"for the pod"

    # The signature holds; the read-only role does not allow the upload.
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "uploads/pod.txt"},
                                        ExpiresIn=300)
    refused = requests.put(put_url, data=b"x", timeout=10)
    assert refused.status_code == 403, refused.text
    assert error_of(refused)["Code"] == "AccessDenied"
    assert error_of(refused)["Message"] == (
        f"User: {arn} is not authorized to perform: s3:PutObject on resource: "
        f"\"arn:aws:s3:::{BUCKET}/uploads/pod.txt\" because no identity-based policy allows the "
        f"s3:PutObject action")

    no_token = requests.get(without(get_url, "x-amz-security-token"), timeout=10)
    assert no_token.status_code == 400 and error_of(no_token)["Code"] == "InvalidToken", no_token.text
    # In a header instead of the query, the token signs the same amz-header line.
    in_header = requests.get(without(get_url, "x-amz-security-token"), timeout=10,
                             headers={"x-amz-security-token": credentials["aws_session_token"]})
    assert in_header.status_code == 200, in_header.text


def test_presigned_urls_expire_as_s3s_do(server):
    s3 = s3_client(server)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "any.txt"}, ExpiresIn=1)
    assert_sigv2(url)
    expires = int(query_of(url)["Expires"])
    time.sleep(2.1)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403, expired.text
    error = error_of(expired)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Request has expired")
    assert error["Expires"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
    assert error["ServerTime"] >= error["Expires"]


def test_altered_presigned_urls_are_refused(server):
    s3 = s3_client(server)
    s3.put_object(Bucket=BUCKET, Key="shared/report.txt", Body=b"quarterly numbers")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "shared/report.txt"},
                                    ExpiresIn=300)
    assert_sigv2(url)

    other_key = requests.get(url.replace("shared/report.txt", "shared/reporT.txt"), timeout=10)
    assert other_key.status_code == 403, other_key.text
    error = error_of(other_key)
    assert (error["Code"], error["Message"]) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
    assert error["AWSAccessKeyId"] == "test"
    assert error["StringToSign"] == f"GET\n\n\n{query_of(url)['Expires']}\n/{BUCKET}/shared/reporT.txt"
    assert error["SignatureProvided"] == query_of(url)["Signature"]
    assert error["StringToSignBytes"] == " ".join(f"{byte:02x}" for byte in error["StringToSign"].encode())

    signature = query_of(url)["Signature"]
    changed = ("B" if signature[0] != "B" else "C") + signature[1:]
    bad_signature = requests.get(altered(url, "Signature", changed), timeout=10)
    assert bad_signature.status_code == 403 and error_of(bad_signature)["Code"] == "SignatureDoesNotMatch"

    later = requests.get(altered(url, "Expires", str(int(query_of(url)["Expires"]) + 3600)), timeout=10)
    assert later.status_code == 403 and error_of(later)["Code"] == "SignatureDoesNotMatch"

    unsigned = requests.get(without(url, "Signature"), timeout=10)
    assert unsigned.status_code == 403, unsigned.text
    assert error_of(unsigned)["Message"] == \
        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"

    unknown = requests.get(altered(url, "AWSAccessKeyId", "AKIDNOTKNOWN"), timeout=10)
    assert unknown.status_code == 403 and error_of(unknown)["Code"] == "InvalidAccessKeyId"


def test_the_header_form_signs_botocore_requests(server, tmp_path):
    s3 = s3_client(server, signature_version="s3")
    s3.put_object(Bucket=BUCKET, Key="v2/one.txt", Body=b"one", ContentType="text/plain",
                  Metadata={"reviewed-by": "joe"})
    head = s3.head_object(Bucket=BUCKET, Key="v2/one.txt")
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"reviewed-by": "joe"}
    assert s3.get_object(Bucket=BUCKET, Key="v2/one.txt")["Body"].read() == b"one"
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="v2/")["Contents"]] == ["v2/one.txt"]

    _, credentials = session_credentials(server, tmp_path)
    session = s3_client(server, signature_version="s3", **credentials)
    assert session.get_object(Bucket=BUCKET, Key="v2/one.txt")["Body"].read() == b"one"

    wrong = s3_client(server, signature_version="s3", aws_access_key_id="test", aws_secret_access_key="wrong")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        wrong.get_object(Bucket=BUCKET, Key="v2/one.txt")
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.fixture
def sigv4_only_server(tmp_path):
    world = json.loads((ROOT / "fixtures" / "default-world.json").read_text())
    world["account"]["region"] = "eu-central-1"
    world["buckets"] = [{"name": "frankfurt-bucket"}]
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    running = Server(seeded_data_dir(tmp_path), "--config", str(path))
    yield running
    running.stop()


def test_a_sigv4_only_region_refuses_sigv2(sigv4_only_server):
    message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    s3 = s3_client(sigv4_only_server, region="eu-central-1", signature_version="s3")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        s3.list_objects_v2(Bucket="frankfurt-bucket")
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidRequest", message)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    presigner = s3_client(sigv4_only_server, region="eu-central-1", signature_version="s3-query")
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": "frankfurt-bucket", "Key": "k"})
    assert_sigv2(url)
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 400 and error_of(answer)["Message"] == message, answer.text

    # SigV4 is what that region takes.
    assert s3_client(sigv4_only_server, region="eu-central-1").list_objects_v2(
        Bucket="frankfurt-bucket")["KeyCount"] == 0
