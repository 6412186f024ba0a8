"""ListObjects (v1), GetBucketLocation and DeleteObjects as boto3 and aws-cli call them,
against the real binary: paginated listings compared with the keys put, deletes
reported key by key, and the integrity header DeleteObjects requires."""

import base64
import hashlib
import json
import pathlib
import subprocess
import sys
import uuid

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import ROOT, Server, seeded_data_dir
from test_sts import cli_env
from test_workshop import BUCKET, assumed_client, trust

AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))
REGION = "us-west-2"

# 25 keys: 15 under three "directories", 10 at the top, one needing URL encoding.
DIRECTORY_KEYS = [f"dir{d}/file{n}.txt" for d in range(3) for n in range(5)]
TOP_KEYS = [f"top{n:02}.txt" for n in range(9)] + ["top09 a+b&c.txt"]
KEYS = sorted(DIRECTORY_KEYS + TOP_KEYS)


def admin_s3(server, **config):
    return boto3.client("s3", endpoint_url=server.url, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(**config))


def admin_cli(server, home, *args):
    env = cli_env(server, home)
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    return subprocess.run([AWS_CLI, *args, "--output", "json"], env=env,
                          capture_output=True, text=True, check=False)


def new_bucket(s3, keys=()):
    bucket = f"s3-more-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


# ListObjects (v1)

def test_list_objects_paginator_without_delimiter(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3, KEYS)
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 7}))
    assert [len(page["Contents"]) for page in pages] == [7, 7, 7, 4]
    assert [obj["Key"] for page in pages for obj in page["Contents"]] == KEYS
    for page in pages:
        # Without a delimiter S3 sends no NextMarker: the paginator resumes after the last key.
        assert "NextMarker" not in page
        assert page["MaxKeys"] == 7 and page["EncodingType"] == "url"
    assert [page["IsTruncated"] for page in pages] == [True, True, True, False]
    first = pages[0]["Contents"][0]
    assert first["Size"] == len(first["Key"]) and first["StorageClass"] == "STANDARD"
    assert first["ETag"].startswith('"') and len(first["Owner"]["ID"]) == 64


def test_list_objects_paginator_with_delimiter(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3, KEYS)
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 7}))
    # 3 common prefixes and 10 top-level keys, each counting toward MaxKeys.
    entries = [[obj["Key"] for obj in page.get("Contents", [])]
               + [prefix["Prefix"] for prefix in page.get("CommonPrefixes", [])] for page in pages]
    assert [len(page) for page in entries] == [7, 6]
    assert sorted(sum(entries, [])) == sorted(["dir0/", "dir1/", "dir2/"] + TOP_KEYS)
    assert pages[0]["IsTruncated"] and pages[0]["NextMarker"] == "top03.txt"
    assert not pages[1]["IsTruncated"] and "NextMarker" not in pages[1]
    assert pages[1]["Marker"] == "top03.txt"


def test_list_objects_prefix_marker_and_errors(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3, KEYS)
    under = s3.list_objects(Bucket=bucket, Prefix="dir1/", Marker="dir1/file1.txt")
    assert [obj["Key"] for obj in under["Contents"]] == [f"dir1/file{n}.txt" for n in (2, 3, 4)]
    assert under["Prefix"] == "dir1/" and under["Marker"] == "dir1/file1.txt"
    nothing = s3.list_objects(Bucket=bucket, MaxKeys=0)
    assert "Contents" not in nothing and not nothing["IsTruncated"]
    assert error_code(lambda: s3.list_objects(Bucket="no-such-bucket-here")) == "NoSuchBucket"
    assert error_code(lambda: s3.list_objects(Bucket=bucket, MaxKeys=-1)) == "InvalidArgument"


def test_aws_cli_list_objects(server, tmp_path):
    s3 = admin_s3(server)
    bucket = new_bucket(s3, KEYS)
    listed = admin_cli(server, tmp_path, "s3api", "list-objects", "--bucket", bucket,
                       "--page-size", "7")
    assert listed.returncode == 0, listed.stderr
    assert [obj["Key"] for obj in json.loads(listed.stdout)["Contents"]] == KEYS

    rolled = admin_cli(server, tmp_path, "s3api", "list-objects", "--bucket", bucket,
                       "--delimiter", "/", "--page-size", "7")
    assert rolled.returncode == 0, rolled.stderr
    answer = json.loads(rolled.stdout)
    assert [prefix["Prefix"] for prefix in answer["CommonPrefixes"]] == ["dir0/", "dir1/", "dir2/"]
    assert [obj["Key"] for obj in answer["Contents"]] == TOP_KEYS

    one_page = admin_cli(server, tmp_path, "s3api", "list-objects", "--bucket", bucket,
                         "--max-keys", "7", "--no-paginate")
    assert one_page.returncode == 0, one_page.stderr
    page = json.loads(one_page.stdout)
    assert page["IsTruncated"] and [obj["Key"] for obj in page["Contents"]] == KEYS[:7]


# GetBucketLocation

def test_get_bucket_location(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3)
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == REGION
    assert error_code(lambda: s3.get_bucket_location(Bucket="no-such-bucket-here")) == "NoSuchBucket"


# DeleteObjects

def test_delete_objects_reports_each_key(server):
    s3 = admin_s3(server)
    present = ["a.txt", "dir/b.txt", "c d+e.txt"]
    bucket = new_bucket(s3, present)
    asked = present + ["missing-1", "dir/missing-2"]
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in asked]})
    # Missing keys count as deleted, as DeleteObject's 204 does.
    assert sorted(entry["Key"] for entry in answer["Deleted"]) == sorted(asked)
    assert "Errors" not in answer
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)

    s3.put_object(Bucket=bucket, Key="again", Body=b"x")
    quiet = s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": "again"}, {"Key": "never"}], "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet
    assert error_code(lambda: s3.head_object(Bucket=bucket, Key="again")) == "404"


def test_delete_objects_refusals(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3)
    missing = lambda: s3.delete_objects(Bucket="no-such-bucket-here",  # noqa: E731
                                        Delete={"Objects": [{"Key": "a"}]})
    assert error_code(missing) == "NoSuchBucket"
    too_many = {"Objects": [{"Key": f"k{n}"} for n in range(1001)]}
    assert error_code(lambda: s3.delete_objects(Bucket=bucket, Delete=too_many)) == "MalformedXML"


def with_integrity_header(s3, replace):
    """Has `replace(request)` rewrite the integrity header of DeleteObjects before signing."""
    s3.meta.events.register("before-sign.s3.DeleteObjects", lambda request, **_: replace(request))


def drop_flexible_checksum(request):
    for name in [name for name in request.headers if name.lower().startswith("x-amz-checksum-")
                 or name.lower() == "x-amz-sdk-checksum-algorithm"]:
        del request.headers[name]


def test_delete_objects_with_content_md5_as_older_sdks_send_it(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3, ["a", "b"])

    def content_md5(request):
        drop_flexible_checksum(request)
        request.headers["Content-MD5"] = base64.b64encode(hashlib.md5(request.body).digest()).decode()

    with_integrity_header(s3, content_md5)
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert sorted(entry["Key"] for entry in answer["Deleted"]) == ["a", "b"]


@pytest.mark.parametrize("name, replace, code", [
    ("no_integrity_header", drop_flexible_checksum, "InvalidRequest"),
    ("content_md5_of_another_body",
     lambda request: (drop_flexible_checksum(request),
                      request.headers.__setitem__("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")),
     "BadDigest"),
    ("malformed_content_md5",
     lambda request: (drop_flexible_checksum(request),
                      request.headers.__setitem__("Content-MD5", "not-md5")),
     "InvalidDigest"),
])
def test_delete_objects_integrity_refusals(server, name, replace, code):
    s3 = admin_s3(server, retries={"max_attempts": 1})
    bucket = new_bucket(s3, ["kept"])
    with_integrity_header(s3, replace)
    got = error_code(lambda: s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "kept"}]}))
    assert got == code, name
    assert s3.head_object(Bucket=bucket, Key="kept")["ContentLength"] == 4


@pytest.fixture
def tmp_deleter_server(tmp_path):
    """A server whose role `tmp-deleter` may delete only under tmp/ of the default bucket."""
    world = json.loads((ROOT / "fixtures" / "default-world.json").read_text())
    sub = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:sub"
    world["roles"].append({
        "name": "tmp-deleter",
        "assumeRolePolicyDocument": trust({"StringEquals": {sub: "system:serviceaccount:default:tmp"}}),
        "inlinePolicies": {"tmp": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{BUCKET}/tmp/*"}]}},
    })
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    running = Server(seeded_data_dir(tmp_path), "--config", str(path))
    yield running
    running.stop()


def test_delete_objects_refuses_keys_one_by_one(tmp_deleter_server, tmp_path):
    admin = admin_s3(tmp_deleter_server)
    for key in ("tmp/a", "keep/b"):
        admin.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    deleter = assumed_client(tmp_deleter_server, tmp_path, "tmp", "tmp-deleter")
    answer = deleter.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "tmp/a"}, {"Key": "keep/b"}]})
    assert [entry["Key"] for entry in answer["Deleted"]] == ["tmp/a"]
    assert answer["Errors"] == [{"Key": "keep/b", "Code": "AccessDenied", "Message": "Access Denied"}]
    assert admin.head_object(Bucket=BUCKET, Key="keep/b")["ContentLength"] == 1


# Unimplemented sub-resources

def test_unimplemented_sub_resource_of_an_existing_bucket(server):
    s3 = admin_s3(server)
    bucket = new_bucket(s3)
    assert error_code(lambda: s3.get_bucket_acl(Bucket=bucket)) == "NotImplemented"


def test_unimplemented_sub_resource_of_a_missing_bucket(server):
    s3 = admin_s3(server)
    assert error_code(lambda: s3.get_bucket_acl(Bucket="no-such-bucket-here")) == "NoSuchBucket"
    assert error_code(lambda: s3.get_object_acl(Bucket="no-such-bucket-here", Key="k")) == "NoSuchBucket"


def test_aws_cli_delete_objects(server, tmp_path):
    s3 = admin_s3(server)
    bucket = new_bucket(s3, ["one", "two"])
    request = json.dumps({"Objects": [{"Key": "one"}, {"Key": "two"}, {"Key": "three"}]})
    deleted = admin_cli(server, tmp_path, "s3api", "delete-objects", "--bucket", bucket,
                        "--delete", request)
    assert deleted.returncode == 0, deleted.stderr
    answer = json.loads(deleted.stdout)
    assert sorted(entry["Key"] for entry in answer["Deleted"]) == ["one", "three", "two"]

    quiet = admin_cli(server, tmp_path, "s3api", "delete-objects", "--bucket", bucket,
                      "--delete", json.dumps({"Objects": [{"Key": "one"}], "Quiet": True}))
    assert quiet.returncode == 0, quiet.stderr
    assert "Deleted" not in (json.loads(quiet.stdout) if quiet.stdout.strip() else {})
