"""Bounded resources, as a flood and real clients meet them: stalled bodies are closed
after `--body-timeout`, health is answered past `--max-connections`, and the size and
count limits of Kubernetes and IAM are refused in those systems' words."""

import json
import socket
import time
import urllib.request

import boto3
import botocore.exceptions
import kubernetes
import pytest

from conftest import Server, seeded_data_dir

STALLED = (b"POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\n"
           b"Host: localhost\r\nContent-Type: application/json\r\n"
           b"Content-Length: 1000\r\n\r\n{")


@pytest.fixture
def bounded(tmp_path):
    running = Server(seeded_data_dir(tmp_path), "--max-connections", "20", "--body-timeout", "2")
    yield running
    running.stop()


def health(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/_irsa/health", timeout=5) as answer:
        assert answer.status == 200
    return time.monotonic() - started


def test_a_flood_of_stalled_connections_is_closed_and_health_answers(bounded):
    host, port = bounded.url.removeprefix("http://").rsplit(":", 1)
    flood = []
    for _ in range(300):
        conn = socket.create_connection((host, int(port)), timeout=10)
        conn.sendall(STALLED)
        flood.append(conn)
    # Past the cap of 20: health is answered every time, quickly.
    latencies = [health(bounded.url) for _ in range(20)]
    assert max(latencies) < 2, latencies
    # Every stalled connection is closed by the server: those in the cap once the body
    # timeout passes (with Kubernetes' 504 Timeout), those past it at once (refused as
    # busy, 429, or closed unanswered); a socket.timeout here is one left open.
    answers = {}
    deadline = time.monotonic() + 15
    for conn in flood:
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
            status = received[9:12].decode() or "none"
        except ConnectionResetError:
            # Closed with the announced body unread: the kernel resets the connection.
            status = "reset"
        answers[status] = answers.get(status, 0) + 1
        conn.close()
    assert set(answers) <= {"504", "429", "none", "reset"}, answers
    assert answers.get("504", 0) >= 20, answers
    health(bounded.url)


def test_kubernetes_client_meets_the_annotation_limit(server, tmp_path):
    config = server.kubeconfig(tmp_path)
    core = kubernetes.client.CoreV1Api(
        kubernetes.config.new_client_from_config(config_file=str(config)))
    fits = kubernetes.client.V1ServiceAccount(metadata=kubernetes.client.V1ObjectMeta(
        name="annotated", annotations={"note": "x" * 100_000}))
    core.create_namespaced_service_account("default", fits)
    over = kubernetes.client.V1ServiceAccount(metadata=kubernetes.client.V1ObjectMeta(
        name="over", annotations={"note": "x" * 262_144}))
    with pytest.raises(kubernetes.client.ApiException) as refused:
        core.create_namespaced_service_account("default", over)
    assert refused.value.status == 422
    status = json.loads(refused.value.body)
    assert status["message"] == ('ServiceAccount "over" is invalid: metadata.annotations: '
                                 "Too long: must have at most 262144 bytes")


def test_boto3_meets_the_roles_per_account_quota(server):
    iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    existing = len(iam.list_roles(MaxItems=1000)["Roles"])
    for i in range(existing, 1000):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=trust)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        iam.create_role(RoleName="one-more", AssumeRolePolicyDocument=trust)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
