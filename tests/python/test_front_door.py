"""The front door: how one port tells its services apart, and whom it lets in.

Pins the request routing through real clients (boto3, requests, and raw HTTP/1.1 on a
socket where a client would fix the Host header for us):

- every valid bucket name works, path-style and virtual-host style, even the names that
  spell one of the server's own routes (`keys`, `api`, `openid`, `mutate`, ...), and object
  keys that spell a route stay in S3;
- names S3 refuses (`id`, `v1`) are `InvalidBucketName`, never a JWKS, Kubernetes or
  discovery answer;
- the unsigned OIDC routes still answer, beside a bucket named `keys`, and discovery
  varies on Host;
- Host is checked: none is a 400 and runs nothing, a foreign one is refused with a hint at
  `--allow-host` (the server listens on loopback), loopback names and addresses are served,
  and so are `--allow-host` and the `--public-url` host;
- a SigV4 credential scope names the service and region the request is for, as AWS checks
  it: the query protocol answers `SignatureDoesNotMatch` with AWS's exact message and runs
  nothing, S3 answers `AuthorizationHeaderMalformed`; any real region is accepted.
"""

import json
import socket
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions
import pytest
import requests

from conftest import ISSUER, Server, seeded_data_dir

REGION = "us-west-2"
ACCOUNT = "111122223333"
ISSUER_ID = "80D562ED8026E91294D52E09BEA261D4"
ADMIN = botocore.credentials.Credentials("test", "test")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

# Valid bucket names that are also the first segment of one of the server's own routes.
ROUTE_NAMED_BUCKETS = ["keys", "api", "apis", "mutate", "k8s", "openid", "version", "openapi",
                       "clusters", "healthz"]
STYLES = ["path", "virtual"]
# Object keys whose path-style or virtual-host URL spells one of the server's own routes.
ROUTE_NAMED_KEYS = ["keys", "api/v1/namespaces", ".well-known/openid-configuration", "mutate",
                    "_irsa/health"]

LIST_ROLES = "Action=ListRoles&Version=2010-05-08"
GET_CALLER_IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


# --- helpers -----------------------------------------------------------------------------

@pytest.fixture
def resolve_localhost(monkeypatch):
    """Resolves every `*.localhost` name as 127.0.0.1, as systemd-resolved does on users'
    machines (RFC 6761); this machine's resolver does not, and botocore's virtual-host
    style sends `keys.localhost:<port>` to the resolver before it connects."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, (bytes, bytearray)):
            host = host.decode("ascii")
        if isinstance(host, str) and host.lower().rstrip(".").endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def port_of(server):
    return urllib.parse.urlsplit(server.url).port


def s3_client(server, style="path"):
    """The admin's S3 client. Virtual-host style needs a name (not an IP) in the endpoint,
    so it goes to `localhost:<port>` and botocore sends `Host: <bucket>.localhost:<port>`."""
    endpoint = server.url if style == "path" else f"http://localhost:{port_of(server)}"
    config = botocore.config.Config(s3={"addressing_style": style}, retries={"max_attempts": 1})
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)


def admin_client(server, service, region=REGION):
    return boto3.client(service, endpoint_url=server.url, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def create_bucket(s3, name):
    # Outside us-east-1 AWS (and irsa-local) want the region as the location constraint.
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def refused(call, **params):
    """The error code and HTTP status of a call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**params)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def xml_fields(text):
    """The text of each element of an XML body by local name (namespaces dropped); an
    empty dict for a body that is not XML."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return {}
    fields = {"": root.tag.rsplit("}", 1)[-1]}
    for element in root.iter():
        fields.setdefault(element.tag.rsplit("}", 1)[-1], element.text or "")
    return fields


def signed_query(server, form, service, region):
    """A query-protocol POST signed with the admin's key for `service` in `region`."""
    request = botocore.awsrequest.AWSRequest(method="POST", url=server.url + "/", data=form,
                                             headers={"Content-Type": FORM_CONTENT_TYPE})
    botocore.auth.SigV4Auth(ADMIN, service, region).add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=10)


def signed_s3(server, method, path, service="s3", region=REGION, body=b""):
    """An S3 request signed with the admin's key by botocore's own S3 signer."""
    request = botocore.awsrequest.AWSRequest(method=method, url=server.url + path, data=body)
    botocore.auth.S3SigV4Auth(ADMIN, service, region).add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, data=prepared.body, headers=dict(prepared.headers),
                            timeout=10)


def raw_exchange(server, request: bytes):
    """Sends `request` as is on a new connection to the server's loopback address and reads
    the answer to the end (every request here says `Connection: close`). Returns the
    status, the headers (lower-case names) and the body."""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as conn:
        conn.sendall(request)
        received = bytearray()
        while chunk := conn.recv(65536):
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1."), f"not an HTTP answer: {bytes(received)[:200]!r}"
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = dechunk(body)
    return int(status_line.split()[1]), headers, body


def dechunk(body):
    out = bytearray()
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2:]
    return bytes(out)


def get_keys_with_host(server, host):
    """`GET /keys` with exactly this Host header; `None` sends no Host at all."""
    host_line = "" if host is None else f"Host: {host}\r\n"
    return raw_exchange(server, f"GET /keys HTTP/1.1\r\n{host_line}Connection: close\r\n\r\n".encode())


def assert_jwks(body, case):
    document = json.loads(body)
    assert isinstance(document.get("keys"), list) and document["keys"], f"{case}: no keys in {document}"
    assert any(key.get("kty") == "RSA" and key.get("n") and key.get("e") for key in document["keys"]), \
        f"{case}: no RSA key in {document}"


def started(tmp_path, *extra_args):
    return Server(seeded_data_dir(tmp_path), *extra_args)


# --- 1. every valid bucket name, both addressing styles ------------------------------------

@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", ROUTE_NAMED_BUCKETS)
def test_every_valid_bucket_name_round_trips(server, resolve_localhost, name, style):
    case = f"bucket {name!r}, {style}-style"
    s3 = s3_client(server, style)
    create_bucket(s3, name)
    s3.put_object(Bucket=name, Key="hello.txt", Body=b"hello from " + name.encode())
    listed = [entry["Key"] for entry in s3.list_objects_v2(Bucket=name).get("Contents", [])]
    assert listed == ["hello.txt"], f"{case}: listed {listed}"
    assert s3.get_object(Bucket=name, Key="hello.txt")["Body"].read() == b"hello from " + name.encode(), case
    s3.delete_object(Bucket=name, Key="hello.txt")
    assert s3.list_objects_v2(Bucket=name).get("Contents", []) == [], f"{case}: object left after delete"
    s3.delete_bucket(Bucket=name)
    assert name not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]], \
        f"{case}: bucket left after delete"


# --- 2. object keys that spell a route -----------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
def test_object_keys_that_spell_a_route_stay_in_s3(server, resolve_localhost, style):
    bucket = "front-door-keys"
    s3 = s3_client(server, style)
    create_bucket(s3, bucket)
    for key in ROUTE_NAMED_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=f"object {key}".encode())
    listed = sorted(entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert listed == sorted(ROUTE_NAMED_KEYS), f"{style}-style: listed {listed}"
    for key in ROUTE_NAMED_KEYS:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == f"object {key}".encode(), \
            f"key {key!r}, {style}-style"
        s3.delete_object(Bucket=bucket, Key=key)
        assert refused(s3.get_object, Bucket=bucket, Key=key) == ("NoSuchKey", 404), \
            f"key {key!r}, {style}-style: still there after delete"
    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == [], f"{style}-style: objects left"


# --- 3. names S3 refuses -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["id", "v1"])
def test_names_s3_refuses_are_invalid_bucket_names(server, name):
    # botocore only checks the characters of a bucket name, so these reach the server.
    s3 = s3_client(server)
    assert refused(create_bucket, s3=s3, name=name) == ("InvalidBucketName", 400), f"bucket {name!r}"
    assert name not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]], f"bucket {name!r}"


# --- 4. the unsigned OIDC routes -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/keys", "/openid/v1/jwks", f"/id/{ISSUER_ID}/keys"],
                         ids=["keys", "openid-v1-jwks", "cluster-keys"])
def test_unsigned_jwks_routes_answer(server, path):
    response = requests.get(server.url + path, timeout=10)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    assert_jwks(response.content, path)


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  f"/id/{ISSUER_ID}/.well-known/openid-configuration"],
                         ids=["default", "cluster"])
def test_unsigned_discovery_routes_answer_and_vary_on_host(server, path):
    response = requests.get(server.url + path, timeout=10)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    document = response.json()
    assert document.get("issuer") == ISSUER, f"{path}: {document}"
    assert document.get("jwks_uri"), f"{path}: no jwks_uri in {document}"
    keys = requests.get(document["jwks_uri"], timeout=10)
    assert keys.status_code == 200, f"{path}: jwks_uri {document['jwks_uri']} answered {keys.status_code}"
    assert_jwks(keys.content, f"{path} -> {document['jwks_uri']}")
    vary = [value.strip().lower() for value in response.headers.get("Vary", "").split(",")]
    assert "host" in vary, f"{path}: the jwks_uri depends on Host, but Vary is {response.headers.get('Vary')!r}"


@pytest.mark.parametrize("style", STYLES)
def test_unsigned_keys_stays_the_jwks_beside_a_bucket_named_keys(server, resolve_localhost, style):
    s3 = s3_client(server, style)
    create_bucket(s3, "keys")
    s3.put_object(Bucket="keys", Key="in-the-bucket.txt", Body=b"s3")

    response = requests.get(server.url + "/keys", timeout=10)
    assert response.status_code == 200, f"{style}-style: unsigned /keys {response.status_code} {response.text}"
    assert_jwks(response.content, f"unsigned /keys beside a bucket named keys ({style}-style)")

    listed = [entry["Key"] for entry in s3.list_objects_v2(Bucket="keys").get("Contents", [])]
    assert listed == ["in-the-bucket.txt"], f"{style}-style: signed list of bucket keys gave {listed}"


# --- 5. the Host header --------------------------------------------------------------------

def test_a_request_without_host_is_refused(server):
    status, _, body = get_keys_with_host(server, None)
    assert status == 400, f"GET /keys without Host: {status} {body[:200]!r}"


def test_a_kubernetes_create_without_host_is_not_executed(server):
    path = "/api/v1/namespaces/default/serviceaccounts"

    def create(name, host_line):
        body = json.dumps({"metadata": {"name": name}}, separators=(",", ":")).encode()
        head = (f"POST {path} HTTP/1.1\r\n{host_line}Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        return raw_exchange(server, head.encode() + body)

    status, _, body = create("made-without-host", "")
    assert status == 400, f"create without Host: {status} {body[:200]!r}"
    after = requests.get(f"{server.url}{path}/made-without-host", timeout=10)
    assert after.status_code == 404, f"the create without Host ran: {after.status_code} {after.text}"

    # The same request with a Host does create, so the 404 above means something.
    status, _, body = create("made-with-host", f"Host: 127.0.0.1:{port_of(server)}\r\n")
    assert status == 201, f"create with Host: {status} {body[:200]!r}"
    assert requests.get(f"{server.url}{path}/made-with-host", timeout=10).status_code == 200


SERVED_HOSTS = {
    "localhost": "localhost:{port}",
    "localhost-uppercase": "LOCALHOST:{port}",
    "subdomain-of-localhost": "bucket.localhost:{port}",
    "other-loopback-address": "127.0.0.2:{port}",
    "loopback-without-port": "127.0.0.1",
    "ipv6-loopback": "[::1]:{port}",
}


@pytest.mark.parametrize("host", SERVED_HOSTS.values(), ids=SERVED_HOSTS.keys())
def test_loopback_hosts_are_served(server, host):
    host = host.format(port=port_of(server))
    status, _, body = get_keys_with_host(server, host)
    assert status == 200, f"Host {host}: {status} {body[:200]!r}"
    assert_jwks(body, f"Host {host}")


FOREIGN_HOSTS = {
    "foreign-name": "evil.example",
    "foreign-name-with-port": "evil.example:{port}",
    "localhost-as-a-label": "localhost.evil.example:{port}",
}


@pytest.mark.parametrize("host", FOREIGN_HOSTS.values(), ids=FOREIGN_HOSTS.keys())
def test_a_foreign_host_is_refused_with_a_hint(server, host):
    host = host.format(port=port_of(server))
    status, _, body = get_keys_with_host(server, host)
    assert status == 403, f"Host {host}: {status} {body[:200]!r}"
    assert b"--allow-host" in body, f"Host {host}: the refusal does not name --allow-host: {body[:300]!r}"


def test_allow_host_serves_that_host(tmp_path):
    running = started(tmp_path, "--allow-host", "evil.example")
    try:
        status, _, body = get_keys_with_host(running, "evil.example")
        assert status == 200, f"Host evil.example with --allow-host evil.example: {status} {body[:200]!r}"
        assert_jwks(body, "Host evil.example with --allow-host evil.example")
        status, _, body = get_keys_with_host(running, "other.example")
        assert status == 403, f"Host other.example with --allow-host evil.example: {status} {body[:200]!r}"
    finally:
        running.stop()


def test_the_public_url_host_is_served(tmp_path):
    running = started(tmp_path, "--public-url", "http://irsa.test:4772")
    try:
        status, _, body = get_keys_with_host(running, "irsa.test:4772")
        assert status == 200, f"Host irsa.test:4772 with --public-url: {status} {body[:200]!r}"
        assert_jwks(body, "Host irsa.test:4772 with --public-url")
    finally:
        running.stop()


# --- 6. credential scope -------------------------------------------------------------------

SCOPE_REFUSALS = {
    "iam-signed-for-sts": (LIST_ROLES, "sts", REGION,
                           "Credential should be scoped to correct service: 'iam'. "),
    "sts-signed-for-s3": (GET_CALLER_IDENTITY, "s3", REGION,
                          "Credential should be scoped to correct service: 'sts'. "),
    "sts-signed-for-iam": (GET_CALLER_IDENTITY, "iam", REGION,
                           "Credential should be scoped to correct service: 'sts'. "),
    "iam-in-unknown-region": (LIST_ROLES, "iam", "x-y-1",
                              "Credential should be scoped to a valid region, not 'x-y-1'. "),
}


@pytest.mark.parametrize("form, service, region, message", SCOPE_REFUSALS.values(), ids=SCOPE_REFUSALS.keys())
def test_a_query_request_scoped_wrong_is_refused_as_aws_does(server, form, service, region, message):
    case = f"{form} signed for {service} in {region}"
    response = signed_query(server, form, service, region)
    fields = xml_fields(response.text)
    assert response.status_code == 403, f"{case}: {response.status_code} {response.text}"
    assert fields.get("Code") == "SignatureDoesNotMatch", f"{case}: {response.text}"
    assert fields.get("Message") == message, f"{case}: message {fields.get('Message')!r}"


def test_a_request_scoped_wrong_executes_nothing(server):
    form = urllib.parse.urlencode({
        "Action": "CreateRole", "Version": "2010-05-08", "RoleName": "scoped-wrong",
        "AssumeRolePolicyDocument": json.dumps(TRUST),
    })
    response = signed_query(server, form, "sts", REGION)
    assert xml_fields(response.text).get("Code") == "SignatureDoesNotMatch", \
        f"CreateRole signed for sts: {response.status_code} {response.text}"
    assert refused(admin_client(server, "iam").get_role, RoleName="scoped-wrong") == ("NoSuchEntity", 404), \
        "CreateRole signed for sts created the role"


SCOPE_ACCEPTED = {
    "iam-us-west-2": (LIST_ROLES, "iam", "us-west-2", "ListRolesResponse"),
    "iam-us-east-1": (LIST_ROLES, "iam", "us-east-1", "ListRolesResponse"),
    "iam-eu-central-1": (LIST_ROLES, "iam", "eu-central-1", "ListRolesResponse"),
    "sts-ap-southeast-2": (GET_CALLER_IDENTITY, "sts", "ap-southeast-2", "GetCallerIdentityResponse"),
}


@pytest.mark.parametrize("form, service, region, root", SCOPE_ACCEPTED.values(), ids=SCOPE_ACCEPTED.keys())
def test_a_query_request_scoped_to_any_real_region_is_accepted(server, form, service, region, root):
    case = f"{form} signed for {service} in {region}"
    response = signed_query(server, form, service, region)
    assert response.status_code == 200, f"{case}: {response.status_code} {response.text}"
    assert xml_fields(response.text).get("") == root, f"{case}: {response.text[:300]}"


def test_boto3_iam_and_sts_clients_in_another_region_work(server):
    roles = [role["RoleName"] for role in admin_client(server, "iam", "eu-west-1").list_roles()["Roles"]]
    assert "iam-test" in roles, f"iam list_roles from eu-west-1: {roles}"
    identity = admin_client(server, "sts", "eu-west-1").get_caller_identity()
    assert identity["Account"] == ACCOUNT, f"sts get_caller_identity from eu-west-1: {identity}"


SCOPE_MALFORMED_FOR_S3 = {
    "s3-signed-for-sts": ("sts", REGION),
    "s3-in-unknown-region": ("s3", "x-y-1"),
}


@pytest.mark.parametrize("service, region", SCOPE_MALFORMED_FOR_S3.values(), ids=SCOPE_MALFORMED_FOR_S3.keys())
def test_an_s3_request_scoped_wrong_is_a_malformed_authorization(server, service, region):
    case = f"ListBuckets signed for {service} in {region}"
    response = signed_s3(server, "GET", "/", service, region)
    assert response.status_code == 400, f"{case}: {response.status_code} {response.text}"
    assert xml_fields(response.text).get("Code") == "AuthorizationHeaderMalformed", f"{case}: {response.text}"


def test_an_s3_request_signed_by_hand_for_s3_is_accepted(server):
    # The control for the table above: the same hand-signed ListBuckets, scoped right.
    response = signed_s3(server, "GET", "/")
    assert response.status_code == 200, f"ListBuckets signed for s3: {response.status_code} {response.text}"
    assert xml_fields(response.text).get("") == "ListAllMyBucketsResult", response.text[:300]


# --- request ids ---------------------------------------------------------------------------

def test_request_ids_are_the_servers_own(server):
    # A client's own x-amzn-RequestId is not echoed: the id in the header and in the body
    # is one the server made, the same in both, and new for every request.
    ids = []
    for _ in range(2):
        response = requests.post(server.url + "/", data=GET_CALLER_IDENTITY,
                                 headers={"Content-Type": FORM_CONTENT_TYPE,
                                          "x-amzn-RequestId": "client-chosen"})
        assert response.status_code == 403, response.text[:300]
        header = response.headers.get("x-amzn-RequestId")
        body_id = ET.fromstring(response.text).find("{*}RequestId").text
        assert header and header != "client-chosen", header
        assert body_id == header, f"body {body_id} vs header {header}"
        ids.append(header)
    assert ids[0] != ids[1], ids
