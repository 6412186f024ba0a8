"""S3's error details as boto3 (and a plain HTTP client) read them: every error has a host id,
the same in `x-amz-id-2` and the body's `HostId`; a request signed too far from the server's
clock names both times and the allowed skew; an expired presigned URL names its lifetime;
and a wrong signature shows the canonical request and string to sign the server computed,
which are the client's own when only the key is wrong."""

import base64
import datetime
import logging
import time
import xml.etree.ElementTree as ElementTree

import boto3
import botocore.auth
import botocore.config
import pytest
import requests
from botocore.exceptions import ClientError

BUCKET = "eksworkshop-111122223333-us-west-2"


@pytest.fixture(autouse=True)
def python_signer(monkeypatch):
    """botocore's own SigV4 signer, not awscrt's: it logs the canonical request and string
    to sign it computed, and reads the clock through `botocore.auth`, so a test can skew it."""
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "s3v4", botocore.auth.S3SigV4Auth)


def s3_client(server, secret="test", **config):
    return boto3.client("s3", endpoint_url=server.url, region_name="us-west-2",
                        aws_access_key_id="test", aws_secret_access_key=secret,
                        config=botocore.config.Config(signature_version="s3v4", **config))


def error_elements(body):
    """The child elements of an S3 `<Error>` document, by name."""
    return {child.tag: child.text or "" for child in ElementTree.fromstring(body)}


def spaced_hex(text):
    return " ".join(f"{byte:02x}" for byte in text.encode())


def test_every_s3_error_has_a_host_id_in_header_and_body(server):
    with pytest.raises(ClientError) as caught:
        s3_client(server).get_object(Bucket=BUCKET, Key="no/such/key")
    metadata = caught.value.response["ResponseMetadata"]
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    assert metadata["HostId"] == metadata["HTTPHeaders"]["x-amz-id-2"]
    assert len(base64.b64decode(metadata["HostId"], validate=True)) == 56

    first = requests.get(f"{server.url}/{BUCKET}/no/such/key", timeout=10)
    second = requests.get(f"{server.url}/{BUCKET}/no/such/key", timeout=10)
    assert first.status_code == 403, first.text
    assert error_elements(first.content)["HostId"] == first.headers["x-amz-id-2"]
    assert first.headers["x-amz-id-2"] != second.headers["x-amz-id-2"], "one per request"


@pytest.mark.parametrize("offset_minutes", [-60, 60])
def test_a_skewed_request_names_both_times_and_the_limit(server, monkeypatch, offset_minutes):
    shifted = botocore.auth.get_current_datetime() + datetime.timedelta(minutes=offset_minutes)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_args, **_kwargs: shifted)
    s3 = s3_client(server, retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as caught:
        s3.list_objects_v2(Bucket=BUCKET)
    error = caught.value.response["Error"]
    assert error["Code"] == "RequestTimeTooSkewed"
    assert error["Message"] == "The difference between the request time and the current time is too large."
    assert error["RequestTime"] == shifted.strftime("%Y%m%dT%H%M%SZ")
    assert error["MaxAllowedSkewMilliseconds"] == "900000"
    server_time = datetime.datetime.strptime(error["ServerTime"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(server_time - (shifted - datetime.timedelta(minutes=offset_minutes))) \
        < datetime.timedelta(seconds=30)


def test_an_expired_presigned_url_names_its_lifetime(server):
    url = s3_client(server).generate_presigned_url("list_buckets", ExpiresIn=1)
    time.sleep(2.1)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403, expired.text
    error = error_elements(expired.content)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Request has expired")
    assert error["X-Amz-Expires"] == "1"
    signed_at = datetime.datetime.strptime(
        requests.utils.urlparse(url).query.split("X-Amz-Date=")[1][:16], "%Y%m%dT%H%M%SZ")
    assert error["Expires"] == (signed_at + datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert error["ServerTime"] > error["Expires"]
    assert error["HostId"] == expired.headers["x-amz-id-2"]


def test_a_wrong_signature_shows_what_the_server_signed(server, caplog):
    sent = {}
    s3 = s3_client(server, secret="not-the-secret")
    s3.meta.events.register("before-send.s3.ListObjectsV2",
                            lambda request, **_: sent.update(authorization=request.headers["Authorization"]))
    with caplog.at_level(logging.DEBUG, logger="botocore.auth"):
        with pytest.raises(ClientError) as caught:
            s3.list_objects_v2(Bucket=BUCKET, Prefix="a b/")
    logged = [record.getMessage() for record in caplog.records if record.name == "botocore.auth"]
    canonical_request = [m for m in logged if m.startswith("CanonicalRequest:\n")][-1].split("\n", 1)[1]
    string_to_sign = [m for m in logged if m.startswith("StringToSign:\n")][-1].split("\n", 1)[1]
    authorization = sent["authorization"].decode() if isinstance(sent["authorization"], bytes) \
        else sent["authorization"]

    error = caught.value.response["Error"]
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["AWSAccessKeyId"] == "test"
    assert error["SignatureProvided"] == authorization.rsplit("Signature=", 1)[1]
    assert error["CanonicalRequest"] == canonical_request, "the client can compare with its own"
    assert error["StringToSign"] == string_to_sign
    assert error["StringToSignBytes"] == spaced_hex(string_to_sign)
    assert error["CanonicalRequestBytes"] == spaced_hex(canonical_request)
    metadata = caught.value.response["ResponseMetadata"]
    assert metadata["HostId"] == metadata["HTTPHeaders"]["x-amz-id-2"]
