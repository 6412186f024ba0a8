"""The shape of a user's test: boto3 with nothing but the variables the pod identity
webhook injects (plus AWS_ENDPOINT_URL). The SDK's own credential chain reads
AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, calls AssumeRoleWithWebIdentity, and every
call after that is signed with the role's temporary credentials."""

import boto3

identity = boto3.client("sts").get_caller_identity()
print("caller:", identity["Arn"])
assert ":assumed-role/iam-test/" in identity["Arn"], identity["Arn"]

buckets = [bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]]
print("buckets:", " ".join(buckets))
assert "eksworkshop-111122223333-us-west-2" in buckets, buckets

# The role may read, not create: the trust boundary holds in the test too.
try:
    boto3.client("s3").create_bucket(Bucket="not-allowed-here")
except boto3.client("s3").exceptions.ClientError as refused:
    print("create_bucket:", refused.response["Error"]["Code"])
    assert refused.response["Error"]["Code"] == "AccessDenied"
else:
    raise AssertionError("the read-only role created a bucket")
print("ok")
