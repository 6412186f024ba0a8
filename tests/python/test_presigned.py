"""Presigned URLs made by boto3, used by a plain HTTP client (requests): they work as
made, and stop working when altered or expired."""

import time
import urllib.parse

import boto3
import botocore.config
import requests

BUCKET = "eksworkshop-111122223333-us-west-2"


def admin_s3(server, **config):
    return boto3.client("s3", endpoint_url=server.url, region_name="us-west-2",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(signature_version="s3v4", **config))


def altered(url, name, value):
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query[name] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def test_presigned_get_object_works_and_refuses_alteration(server):
    s3 = admin_s3(server)
    s3.put_object(Bucket=BUCKET, Key="shared/report.txt", Body=b"quarterly numbers")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "shared/report.txt"},
                                    ExpiresIn=300)
    ok = requests.get(url, timeout=10)
    assert ok.status_code == 200, ok.text
    assert ok.content == b"quarterly numbers"

    other_key = url.replace("shared/report.txt", "shared/other.txt")
    refused = requests.get(other_key, timeout=10)
    assert refused.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in refused.text

    longer = requests.get(altered(url, "X-Amz-Expires", "3600"), timeout=10)
    assert longer.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in longer.text

    bad_signature = requests.get(altered(url, "X-Amz-Signature", "0" * 64), timeout=10)
    assert bad_signature.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in bad_signature.text


def test_presigned_list_buckets_works_and_expires(server):
    s3 = admin_s3(server)
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=1)
    ok = requests.get(url, timeout=10)
    assert ok.status_code == 200, ok.text
    assert f"<Name>{BUCKET}</Name>" in ok.text
    time.sleep(2.1)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403, expired.text
    assert "<Code>AccessDenied</Code>" in expired.text
    assert "expired" in expired.text.lower()
