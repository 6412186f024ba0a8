"""S3 as aws-cli's and boto3's transfer code uses it: multipart above 8 MiB (default
settings), sync, recursive delete, MD5 ETags compared with values computed here, flexible
checksums stored and returned, and S3's refusals of a bad multipart upload or digest."""

import base64
import hashlib
import os
import time

import boto3
import botocore.config
import botocore.exceptions
import pytest

from test_workshop import admin_env, aws

MIB = 1024 * 1024
# s3transfer's defaults: multipart above 8 MiB, in 8 MiB parts.
CHUNK = 8 * MIB


def s3_client(server, **config):
    return boto3.client("s3", endpoint_url=server.url, region_name="us-west-2",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(**config))


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def multipart_etag(parts) -> str:
    joined = b"".join(hashlib.md5(part).digest() for part in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def chunks(data: bytes, size: int):
    return [data[at:at + size] for at in range(0, len(data), size)]


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


@pytest.mark.parametrize("size_mib", [20, 100])
def test_cp_up_and_down_with_default_multipart(server, tmp_path, size_mib):
    env = admin_env(server, tmp_path)
    assert aws(env, "s3", "mb", "s3://transfers").returncode == 0
    original = tmp_path / "up.bin"
    data = os.urandom(size_mib * MIB + 5)
    original.write_bytes(data)
    up = aws(env, "s3", "cp", str(original), "s3://transfers/big.bin")
    assert up.returncode == 0, up.stderr
    down = aws(env, "s3", "cp", "s3://transfers/big.bin", str(tmp_path / "down.bin"))
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "down.bin").read_bytes() == data
    head = s3_client(server).head_object(Bucket="transfers", Key="big.bin")
    assert head["ContentLength"] == len(data)
    # aws-cli uploaded it in 8 MiB parts: S3's multipart ETag of those parts.
    assert head["ETag"] == multipart_etag(chunks(data, CHUNK))


def test_sync_up_down_and_again_transfers_nothing(server, tmp_path):
    env = admin_env(server, tmp_path)
    assert aws(env, "s3", "mb", "s3://synced").returncode == 0
    source = tmp_path / "source"
    (source / "nested").mkdir(parents=True)
    files = {"a.txt": b"alpha\n", "nested/b.bin": os.urandom(9 * MIB), "nested/c": b""}
    # Files older than the upload, as S3's LastModified has whole seconds and sync
    # uploads again a local file newer than its object.
    an_hour_ago = time.time() - 3600
    for name, content in files.items():
        (source / name).write_bytes(content)
        os.utime(source / name, (an_hour_ago, an_hour_ago))
    up = aws(env, "s3", "sync", str(source), "s3://synced/tree/")
    assert up.returncode == 0, up.stderr
    assert up.stdout.count("upload:") == len(files)
    back = tmp_path / "back"
    down = aws(env, "s3", "sync", "s3://synced/tree/", str(back))
    assert down.returncode == 0, down.stderr
    for name, content in files.items():
        assert (back / name).read_bytes() == content, name
    again = aws(env, "s3", "sync", str(source), "s3://synced/tree/")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == ""

    removed = aws(env, "s3", "rm", "--recursive", "s3://synced/tree/")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.count("delete:") == len(files)
    listed = s3_client(server).list_objects_v2(Bucket="synced")
    assert listed["KeyCount"] == 0


def test_single_part_etag_is_the_md5(server):
    s3 = s3_client(server)
    s3.create_bucket(Bucket="etags", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for body in [b"", b"hello", os.urandom(MIB + 3)]:
        put = s3.put_object(Bucket="etags", Key="k", Body=body)
        assert put["ETag"] == md5_etag(body)
        assert s3.head_object(Bucket="etags", Key="k")["ETag"] == md5_etag(body)
        listed = s3.list_objects_v2(Bucket="etags")["Contents"][0]
        assert listed["ETag"] == md5_etag(body)


def upload_parts(s3, bucket, key, parts, **create):
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    etags = []
    for number, part in enumerate(parts, start=1):
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=part)
        assert answer["ETag"] == md5_etag(part)
        etags.append(answer["ETag"])
    return upload, etags


def test_multipart_etag_checksums_and_listing(server):
    s3 = s3_client(server)
    s3.create_bucket(Bucket="parts", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    upload, etags = upload_parts(s3, "parts", "assembled", parts, ChecksumAlgorithm="SHA256",
                                 ContentType="text/plain", Metadata={"owner": "me"})
    listed = s3.list_parts(Bucket="parts", Key="assembled", UploadId=upload)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    assert [p["Size"] for p in listed["Parts"]] == [len(p) for p in parts]
    assert listed["Parts"][0]["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(parts[0]).digest()).decode()
    uploads = s3.list_multipart_uploads(Bucket="parts")["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("assembled", upload)]

    done = s3.complete_multipart_upload(
        Bucket="parts", Key="assembled", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]})
    assert done["ETag"] == multipart_etag(parts)
    # A composite checksum: SHA-256 of the parts' SHA-256s, then -<parts>.
    composite = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
    assert done["ChecksumSHA256"] == f"{base64.b64encode(composite).decode()}-3"
    got = s3.get_object(Bucket="parts", Key="assembled")
    assert got["Body"].read() == b"".join(parts)
    assert got["ETag"] == multipart_etag(parts)
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "me"}
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="parts")
    assert error_code(lambda: s3.list_parts(Bucket="parts", Key="assembled", UploadId=upload)) == "NoSuchUpload"


def test_multipart_refusals(server):
    s3 = s3_client(server)
    s3.create_bucket(Bucket="refusals", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    small = [b"a" * MIB, b"b" * MIB]
    upload, etags = upload_parts(s3, "refusals", "k", small)
    part = lambda number, etag: {"PartNumber": number, "ETag": etag}  # noqa: E731
    complete = lambda *parts: lambda: s3.complete_multipart_upload(  # noqa: E731
        Bucket="refusals", Key="k", UploadId=upload, MultipartUpload={"Parts": list(parts)})
    bogus = "bm90LWFuLXVwbG9hZA"
    cases = [
        ("part_below_5_mib_not_last", complete(part(1, etags[0]), part(2, etags[1])), "EntityTooSmall"),
        ("wrong_etag", complete(part(1, md5_etag(b"other"))), "InvalidPart"),
        ("missing_part", complete(part(1, etags[0]), part(3, etags[1])), "InvalidPart"),
        ("descending", complete(part(2, etags[1]), part(1, etags[0])), "InvalidPartOrder"),
        ("repeated", complete(part(1, etags[0]), part(1, etags[0])), "InvalidPartOrder"),
        ("unknown_upload_complete", lambda: s3.complete_multipart_upload(
            Bucket="refusals", Key="k", UploadId=bogus,
            MultipartUpload={"Parts": [part(1, etags[0])]}), "NoSuchUpload"),
        ("unknown_upload_part", lambda: s3.upload_part(
            Bucket="refusals", Key="k", UploadId=bogus, PartNumber=1, Body=b"x"), "NoSuchUpload"),
        ("other_key", lambda: s3.list_parts(Bucket="refusals", Key="other", UploadId=upload), "NoSuchUpload"),
        ("unknown_upload_abort", lambda: s3.abort_multipart_upload(
            Bucket="refusals", Key="k", UploadId=bogus), "NoSuchUpload"),
        ("part_number_zero", lambda: s3.upload_part(
            Bucket="refusals", Key="k", UploadId=upload, PartNumber=0, Body=b"x"), "InvalidArgument"),
        ("part_number_10001", lambda: s3.upload_part(
            Bucket="refusals", Key="k", UploadId=upload, PartNumber=10001, Body=b"x"), "InvalidArgument"),
        ("no_such_bucket", lambda: s3.create_multipart_upload(Bucket="no-such-bucket-here", Key="k"),
         "NoSuchBucket"),
    ]
    for name, call, want in cases:
        assert error_code(call) == want, name
    # The last part may be small: one 1 MiB part completes.
    single = s3.complete_multipart_upload(Bucket="refusals", Key="k", UploadId=upload,
                                          MultipartUpload={"Parts": [part(1, etags[0])]})
    assert single["ETag"] == multipart_etag(small[:1])

    aborted, _ = upload_parts(s3, "refusals", "gone", [b"x"])
    s3.abort_multipart_upload(Bucket="refusals", Key="gone", UploadId=aborted)
    assert error_code(lambda: s3.list_parts(Bucket="refusals", Key="gone", UploadId=aborted)) == "NoSuchUpload"
    assert error_code(lambda: s3.head_object(Bucket="refusals", Key="gone")) == "404"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_checksums_are_verified_stored_and_returned(server, algorithm):
    s3 = s3_client(server)
    s3.create_bucket(Bucket="sums", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    body = os.urandom(70_000)
    put = s3.put_object(Bucket="sums", Key="k", Body=body, ChecksumAlgorithm=algorithm)
    field = f"Checksum{algorithm}"
    assert field in put, put
    got = s3.get_object(Bucket="sums", Key="k", ChecksumMode="ENABLED")
    assert got[field] == put[field]
    assert got["Body"].read() == body
    head = s3.head_object(Bucket="sums", Key="k", ChecksumMode="ENABLED")
    assert head[field] == put[field]
    if algorithm == "SHA256":
        assert put[field] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    if algorithm == "SHA1":
        assert put[field] == base64.b64encode(hashlib.sha1(body).digest()).decode()


def test_bad_digests_store_nothing(server):
    s3 = s3_client(server, request_checksum_calculation="when_required")
    s3.create_bucket(Bucket="digests", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    cases = [
        ("crc32_mismatch", dict(ChecksumCRC32="AAAAAA=="), "BadDigest"),
        ("sha256_mismatch", dict(ChecksumSHA256=base64.b64encode(hashlib.sha256(b"x").digest()).decode()),
         "BadDigest"),
        ("content_md5_mismatch", dict(ContentMD5=wrong_md5), "BadDigest"),
        ("content_md5_not_base64_md5", dict(ContentMD5="bm90LW1kNQ=="), "InvalidDigest"),
    ]
    for name, extra, want in cases:
        key = f"k-{name}"
        assert error_code(lambda: s3.put_object(Bucket="digests", Key=key, Body=b"body", **extra)) == want, name
        assert error_code(lambda: s3.head_object(Bucket="digests", Key=key)) == "404", name
    good_md5 = base64.b64encode(hashlib.md5(b"body").digest()).decode()
    assert s3.put_object(Bucket="digests", Key="ok", Body=b"body", ContentMD5=good_md5)["ETag"] == md5_etag(b"body")


def test_cp_between_buckets_copies_on_the_server(server, tmp_path):
    env = admin_env(server, tmp_path)
    for bucket in ["copy-from", "copy-to"]:
        assert aws(env, "s3", "mb", f"s3://{bucket}").returncode == 0
    small, large = b"small object\n", os.urandom(12 * MIB)
    s3 = s3_client(server)
    s3.put_object(Bucket="copy-from", Key="small.txt", Body=small, ContentType="text/plain")
    (tmp_path / "large.bin").write_bytes(large)
    assert aws(env, "s3", "cp", str(tmp_path / "large.bin"), "s3://copy-from/large.bin").returncode == 0
    for key, content in [("small.txt", small), ("large.bin", large)]:
        copied = aws(env, "s3", "cp", f"s3://copy-from/{key}", f"s3://copy-to/{key}")
        assert copied.returncode == 0, copied.stderr
        assert f"copy: s3://copy-from/{key} to s3://copy-to/{key}" in copied.stdout
        assert s3.get_object(Bucket="copy-to", Key=key)["Body"].read() == content
    assert s3.head_object(Bucket="copy-to", Key="small.txt")["ContentType"] == "text/plain"
    # Above 8 MiB aws-cli copies part by part (UploadPartCopy): a multipart ETag again.
    assert s3.head_object(Bucket="copy-to", Key="large.bin")["ETag"] == multipart_etag(chunks(large, CHUNK))


def test_copy_object_conditions_and_metadata(server):
    s3 = s3_client(server)
    s3.create_bucket(Bucket="copies", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    parts = [os.urandom(5 * MIB), b"end"]
    upload, etags = upload_parts(s3, "copies", "multipart", parts, Metadata={"kind": "source"})
    s3.complete_multipart_upload(
        Bucket="copies", Key="multipart", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]})
    source_etag = multipart_etag(parts)
    copy = lambda key, **extra: s3.copy_object(  # noqa: E731
        Bucket="copies", Key=key, CopySource={"Bucket": "copies", "Key": "multipart"}, **extra)
    done = copy("plain")
    # The copy is one part: the MD5 of all its bytes.
    assert done["CopyObjectResult"]["ETag"] == md5_etag(b"".join(parts))
    assert s3.head_object(Bucket="copies", Key="plain")["Metadata"] == {"kind": "source"}
    copy("replaced", MetadataDirective="REPLACE", Metadata={"kind": "copy"}, ContentType="text/csv")
    replaced = s3.head_object(Bucket="copies", Key="replaced")
    assert (replaced["Metadata"], replaced["ContentType"]) == ({"kind": "copy"}, "text/csv")
    cases = [
        ("if_match_holds", dict(CopySourceIfMatch=source_etag), None),
        ("if_match_fails", dict(CopySourceIfMatch='"nope"'), "PreconditionFailed"),
        ("if_none_match_fails", dict(CopySourceIfNoneMatch=source_etag), "PreconditionFailed"),
        ("if_unmodified_since_fails", dict(CopySourceIfUnmodifiedSince="2000-01-01T00:00:00Z"),
         "PreconditionFailed"),
        ("if_modified_since_fails", dict(CopySourceIfModifiedSince="2200-01-01T00:00:00Z"),
         "PreconditionFailed"),
    ]
    for name, extra, want in cases:
        if want is None:
            copy(f"cond-{name}", **extra)
        else:
            assert error_code(lambda: copy(f"cond-{name}", **extra)) == want, name
    missing = lambda: s3.copy_object(Bucket="copies", Key="x",  # noqa: E731
                                     CopySource={"Bucket": "copies", "Key": "absent"})
    assert error_code(missing) == "NoSuchKey"
    to_itself = lambda: s3.copy_object(Bucket="copies", Key="plain",  # noqa: E731
                                       CopySource={"Bucket": "copies", "Key": "plain"})
    assert error_code(to_itself) == "InvalidRequest"


def test_a_body_that_stalls_is_dropped_with_request_timeout(server):
    """20 seconds without a byte mid-body: S3's RequestTimeout, and the connection closes."""
    import http.client
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    s3_client(server).create_bucket(Bucket="stalls", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    request = botocore.awsrequest.AWSRequest(
        method="PUT", url=f"{server.url}/stalls/slow", headers={"Content-Length": "100"})
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "us-west-2").add_auth(request)
    host = server.url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=60)
    connection.putrequest("PUT", "/stalls/slow", skip_host=True)
    for name, value in [("Host", host), *request.headers.items()]:
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(b"only ten b")
    started = time.monotonic()
    response = connection.getresponse()
    waited = time.monotonic() - started
    body = response.read().decode()
    assert response.status == 400 and "<Code>RequestTimeout</Code>" in body, body
    assert 15 < waited < 40, waited
    assert response.getheader("connection") == "close" or response.will_close
    assert error_code(lambda: s3_client(server).head_object(Bucket="stalls", Key="slow")) == "404"
