"""The admission webhook over HTTPS, as kube-apiserver calls it: `serve --tls` generates a
CA under the data dir, `requests` trusts exactly that CA, plain HTTP keeps working on the
same port, and the env the webhook injects is enough for aws-cli to list the bucket."""

import base64
import json
import subprocess

import requests

from conftest import BINARY, Server, seeded_data_dir
from test_workshop import AWS_CLI, BUCKET

WORKSHOP_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "eks-iam-test4"},
    "spec": {"serviceAccountName": "iam-test", "restartPolicy": "Never",
             "containers": [{"name": "eks-iam-test", "image": "amazon/aws-cli:latest",
                             "args": ["s3", "ls"]}]},
}
MOUNT_PATH = "/var/run/secrets/eks.amazonaws.com/serviceaccount"


def review(pod, uid="705ab4f5-6393-11e8-b7cc-42010a800002"):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "resource": {"group": "", "version": "v1", "resource": "pods"},
                        "namespace": "default", "operation": "CREATE", "object": pod}}


def https_url(server, host="localhost"):
    port = server.url.rsplit(":", 1)[1]
    return f"https://{host}:{port}"


def test_webhook_over_https_and_http_on_one_port(tmp_path):
    data_dir = seeded_data_dir(tmp_path)
    server = Server(data_dir, "--tls", "--tls-san", "webhook.example")
    try:
        ca = data_dir / "tls" / "ca.crt"
        assert ca.exists()
        assert (data_dir / "tls" / "server.key").stat().st_mode & 0o777 == 0o600
        for host in ("localhost", "127.0.0.1"):
            answer = requests.post(f"{https_url(server, host)}/mutate", json=review(WORKSHOP_POD),
                                   verify=str(ca), timeout=10)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["apiVersion"] == "admission.k8s.io/v1" and body["kind"] == "AdmissionReview"
            response = body["response"]
            assert response["uid"] == "705ab4f5-6393-11e8-b7cc-42010a800002"
            assert response["allowed"] is True and response["patchType"] == "JSONPatch"
            patch = json.loads(base64.b64decode(response["patch"]))
            assert [(op["op"], op["path"]) for op in patch] == [("add", "/spec/volumes"), ("add", "/spec/containers")]

        # Plain HTTP on the same port, and a client that does not trust the CA is refused.
        assert requests.get(f"{server.url}/_irsa/health", timeout=10).json() == {"status": "ok"}
        try:
            requests.get(f"{https_url(server)}/_irsa/health", timeout=10)
            raise AssertionError("the system trust store must not know the local CA")
        except requests.exceptions.SSLError:
            pass
        wrong = requests.post(f"{https_url(server)}/mutate", data="x", verify=str(ca),
                              headers={"Content-Type": "text/plain"}, timeout=10)
        assert wrong.status_code == 415

        first_ca = ca.read_bytes()
        server.stop()
        server = Server(data_dir, "--tls", "--tls-san", "webhook.example")
        assert ca.read_bytes() == first_ca, "the CA (and so the caBundle) survives a restart"
        assert requests.get(f"{https_url(server)}/_irsa/health", verify=str(ca), timeout=10).ok
    finally:
        server.stop()


def test_injected_env_lets_aws_cli_list_the_bucket(server, tmp_path):
    """The webhook's env and projected-token volume, with the volume played by a file."""
    answer = requests.post(f"{server.url}/mutate", json=review(WORKSHOP_POD), timeout=10).json()
    patch = json.loads(base64.b64decode(answer["response"]["patch"]))
    volume = patch[0]["value"][0]["projected"]["sources"][0]["serviceAccountToken"]
    container = patch[1]["value"][0]
    assert container["volumeMounts"] == [{"name": "aws-iam-token", "readOnly": True, "mountPath": MOUNT_PATH}]

    # What the kubelet would project: a token for the volume's audience and lifetime.
    minted = server.cli("token", "-n", "default", "-s", "iam-test", "--pod", "eks-iam-test4",
                        "--audience", volume["audience"],
                        "--expiration-seconds", str(volume["expirationSeconds"]))
    assert minted.returncode == 0, minted.stderr
    (tmp_path / "token").write_text(minted.stdout.strip())

    env = {item["name"]: item["value"] for item in container["env"]}
    assert env["AWS_WEB_IDENTITY_TOKEN_FILE"] == f"{MOUNT_PATH}/token"
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(tmp_path / "token")
    env.update(PATH="/usr/bin:/bin", HOME=str(tmp_path), AWS_ENDPOINT_URL=server.url,
               AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"))
    listed = subprocess.run([AWS_CLI, *container["args"]], env=env, capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    assert BUCKET in listed.stdout


def test_mutate_command_prints_yaml(tmp_path):
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: eks-iam-test4\nspec:\n"
                   "  serviceAccountName: iam-test\n  containers:\n  - name: app\n    image: busybox\n")
    out = subprocess.run([BINARY, "mutate", "-f", str(pod), "--data-dir", str(seeded_data_dir(tmp_path))],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "AWS_ROLE_ARN" in out.stdout and "aws-iam-token" in out.stdout
