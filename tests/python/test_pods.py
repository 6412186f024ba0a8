"""Pods that really run: `irsa-local serve --container-runtime docker` on a Docker engine.

The workshop's pods (eks-iam-test3 lists the buckets with aws-cli and completes;
eks-iam-test4 sleeps and is exec'd into), with each kubectl in the table: the projected
web identity token a container reads is the pod's own and assumes the role through STS,
`kubectl logs` and `kubectl exec` (WebSocket, kubectl 1.30 and later; 1.27's SPDY is
refused in words) work, and a deleted pod leaves no container behind. Then, with the
newest kubectl: a service account without a role gets no IRSA variables, a role whose trust
names another account refuses the pod, a pod of an account with a Pod Identity association
gets its role from the agent at 169.254.170.23 (aws-cli and boto3) while other pods keep
IRSA, the log options (`--tail`, `-c`, `-f`,
`--previous`), `restartPolicy: OnFailure`, containers of one pod sharing localhost, init
containers running first, a server restart (its containers stop with it and the pod runs
again), and last, slow (about 10 minutes), the kubelet replacing a short-lived token file
while a boto3 client in the pod keeps working.

Needs a Docker engine at $DOCKER_HOST holding the stand-in `amazon/aws-cli:latest`
(tests/containers/engine.sh makes both; tests/run.sh sources it). Without them the tests
fail, naming what is missing; none is skipped.
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import jwt
import pytest
import requests
import yaml

from conftest import ISSUER, Server, seeded_data_dir

IMAGE = "amazon/aws-cli:latest"
BUCKET = "eksworkshop-111122223333-us-west-2"
ROLE_ARN = "arn:aws:iam::111122223333:role/iam-test"
ASSUMED = "arn:aws:sts::111122223333:assumed-role/iam-test/"
WEB_IDENTITY_TOKEN = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
KUBE_API_ACCESS = "/var/run/secrets/kubernetes.io/serviceaccount"
GCLOUD_BIN = pathlib.Path("/usr/lib/google-cloud-sdk/bin")
KUBECTLS = {
    "kubectl-1.27": GCLOUD_BIN / "kubectl.1.27",
    "kubectl-1.33": GCLOUD_BIN / "kubectl.1.33",
    "kubectl-newest": pathlib.Path(sys.executable).with_name("kubectl"),
}
NEWEST_KUBECTL = KUBECTLS["kubectl-newest"]

# The workshop's manifests, as it writes them.
EKS_IAM_TEST3 = """\
apiVersion: v1
kind: Pod
metadata:
  name: eks-iam-test3
  labels:
    app: s3-test
spec:
  serviceAccountName: iam-test
  containers:
  - name: eks-iam-test3
    image: amazon/aws-cli:latest
    args: ['s3', 'ls']
  restartPolicy: Never
"""
EKS_IAM_TEST4 = """\
apiVersion: v1
kind: Pod
metadata:
  name: eks-iam-test4
spec:
  serviceAccountName: iam-test
  containers:
  - name: my-aws-cli
    image: amazon/aws-cli:latest
    command: ['sleep', '36000']
  restartPolicy: Never
"""


# --- the engine ------------------------------------------------------------------------

def docker(*args, timeout=60):
    """The docker CLI against $DOCKER_HOST."""
    binary = shutil.which("docker")
    assert binary, "the docker CLI is not on PATH (apt-get install docker.io)"
    return subprocess.run([binary, *args], capture_output=True, text=True, check=False,
                          timeout=timeout)


def containers_of(*labels):
    """The ids of the engine's containers (running or not) carrying every `key=value`."""
    filters = [arg for label in labels for arg in ("--filter", f"label={label}")]
    listed = docker("ps", "-a", "-q", "--no-trunc", *filters)
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


@pytest.fixture(scope="module")
def engine():
    """Fails, in words, unless an engine answers at $DOCKER_HOST with the image present."""
    if not os.environ.get("DOCKER_HOST"):
        pytest.fail("DOCKER_HOST is unset: the pod tests need a Docker engine "
                    "(source tests/containers/engine.sh and engine_start, as tests/run.sh does)")
    version = docker("version", "--format", "{{.Server.Version}}", timeout=20)
    assert version.returncode == 0, \
        f"no Docker engine answers at {os.environ['DOCKER_HOST']}: {version.stderr.strip()}"
    image = docker("image", "inspect", "--format", "{{.Id}}", IMAGE)
    assert image.returncode == 0, \
        f"{IMAGE} is not in the engine: build it with tests/containers/engine.sh (engine_images)"


def start_node(data_dir):
    return Server(data_dir, "--container-runtime", "docker")


def stop_node(server):
    """Stops `server` (its containers stop with it, each within at most 10 s), and removes
    any container of its node that is left, so a failed test leaks nothing into the engine."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
    node_id = (server.data_dir / "node-id").read_text().strip()
    left = containers_of(f"io.irsa-local.node={node_id}")
    if left:
        docker("rm", "-f", *left)


@pytest.fixture
def node(engine, tmp_path):
    """A server that runs its pods on the engine."""
    running = start_node(seeded_data_dir(tmp_path))
    yield running
    stop_node(running)


# --- kubectl -----------------------------------------------------------------------------

class Kubectl:
    """One kubectl binary on a kubeconfig `irsa-local kubeconfig` printed."""

    def __init__(self, binary, server, home):
        assert binary.is_file(), f"{binary} is missing: install the kubectl this case needs"
        self.binary = binary
        self.home = home
        config_dir = home / f"kube-{server.url.rsplit(':', 1)[1]}"
        config_dir.mkdir(exist_ok=True)
        self.env = {"PATH": os.environ["PATH"], "HOME": str(home),
                    "KUBECONFIG": str(server.kubeconfig(config_dir))}

    def __call__(self, *args, check=True, input=None, timeout=60):
        done = subprocess.run([str(self.binary), *args], capture_output=True, text=True,
                              env=self.env, input=input, check=False, timeout=timeout)
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done

    @property
    def minor(self):
        shown = json.loads(self("version", "--client", "-o", "json").stdout)
        return int(shown["clientVersion"]["minor"].rstrip("+"))

    def apply(self, manifest):
        """Applies a manifest given as YAML text or as a dict; returns the pod's name."""
        text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest)
        name = yaml.safe_load(text)["metadata"]["name"]
        path = self.home / f"{name}.yaml"
        path.write_text(text)
        assert "created" in self("apply", "-f", str(path)).stdout
        return name

    def pod(self, name):
        return json.loads(self("get", "pod", name, "-o", "json").stdout)

    def status_column(self, name):
        """STATUS as `kubectl get pod` prints it (Completed, Running, Error, ...)."""
        rows = self("get", "pod", name).stdout.splitlines()
        assert rows[0].split()[:3] == ["NAME", "READY", "STATUS"], rows
        return rows[1].split()[2]

    def wait_for_phase(self, name, *phases, timeout=60):
        """Polls `.status.phase` until it is one of `phases`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            phase = self("get", "pod", name, "-o", "jsonpath={.status.phase}").stdout
            if phase in phases:
                return phase
            if time.monotonic() > deadline:
                status = self.pod(name)["status"]
                pytest.fail(f"pod {name} is {phase!r}, not {phases}, after {timeout}s:\n"
                            + yaml.safe_dump(status))
            time.sleep(0.5 if timeout <= 60 else 5)

    def logs(self, name, *args, timeout=60):
        return self("logs", name, *args, timeout=timeout).stdout

    def delete(self, *names):
        """Deletes pods with a 1 s grace period and waits until they are gone."""
        self("delete", "pod", *names, "--grace-period=1", timeout=90)


@pytest.fixture
def kubectl(node, tmp_path):
    """The newest kubectl against `node`."""
    return Kubectl(NEWEST_KUBECTL, node, tmp_path)


def pod_manifest(name, *containers, restart="Never", account="iam-test", **spec):
    """A pod of the stand-in image; each container is (name, command)."""
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"serviceAccountName": account, "restartPolicy": restart,
                 "containers": [{"name": container, "image": IMAGE, "command": command}
                                for container, command in containers],
                 **spec},
    }


def work_dir(manifest, *, init=()):
    """Gives `manifest`'s containers (and the init containers `init`, each (name,
    command)) a shared emptyDir at /work."""
    spec = manifest["spec"]
    spec["volumes"] = [{"name": "work", "emptyDir": {}}]
    if init:
        spec["initContainers"] = [{"name": container, "image": IMAGE, "command": command}
                                  for container, command in init]
    for container in spec["containers"] + spec.get("initContainers", []):
        container["volumeMounts"] = [{"name": "work", "mountPath": "/work"}]
    return manifest


def container_status(pod, name):
    statuses = pod["status"].get("containerStatuses", []) + pod["status"].get("initContainerStatuses", [])
    found = [status for status in statuses if status["name"] == name]
    assert found, f"no status for container {name}: {pod['status']}"
    return found[0]


def unverified_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def verified_claims(server, token):
    """Checks `token` as a relying party does: the issuer's JWKS, audience and issuer."""
    discovery = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience="sts.amazonaws.com",
                      issuer=ISSUER)


# --- the workshop ------------------------------------------------------------------------

@pytest.fixture(params=KUBECTLS.values(), ids=KUBECTLS.keys())
def any_kubectl(request, node, tmp_path):
    return Kubectl(request.param, node, tmp_path)


def test_the_workshop_pods_run_assume_the_role_and_leave_nothing_behind(any_kubectl, node):
    kubectl = any_kubectl

    # eks-iam-test3: aws-cli lists the buckets as the role and the pod completes.
    kubectl.apply(EKS_IAM_TEST3)
    assert kubectl.wait_for_phase("eks-iam-test3", "Succeeded", "Failed") == "Succeeded", \
        kubectl.logs("eks-iam-test3")
    assert kubectl.status_column("eks-iam-test3") == "Completed"
    assert BUCKET in kubectl.logs("eks-iam-test3")

    # eks-iam-test4: a sleeping container, with the IRSA environment and the token files.
    kubectl.apply(EKS_IAM_TEST4)
    kubectl.wait_for_phase("eks-iam-test4", "Running")
    assert kubectl.status_column("eks-iam-test4") == "Running"
    pod = kubectl.pod("eks-iam-test4")
    uid = pod["metadata"]["uid"]
    [container_id] = containers_of(f"io.kubernetes.pod.uid={uid}",
                                   "io.kubernetes.pod.name=eks-iam-test4",
                                   "io.kubernetes.pod.namespace=default",
                                   "io.kubernetes.container.name=my-aws-cli")
    inspected = json.loads(docker("inspect", container_id).stdout)[0]
    assert inspected["Name"] == f"/k8s_my-aws-cli_eks-iam-test4_default_{uid}_0", inspected["Name"]
    env = dict(line.split("=", 1) for line in inspected["Config"]["Env"])
    port = node.url.rsplit(":", 1)[1]
    assert env["AWS_ENDPOINT_URL"] == f"http://host.docker.internal:{port}", env
    assert env["AWS_ROLE_ARN"] == ROLE_ARN and env["AWS_WEB_IDENTITY_TOKEN_FILE"] == WEB_IDENTITY_TOKEN, env
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"], env["AWS_STS_REGIONAL_ENDPOINTS"]) \
        == ("us-west-2", "us-west-2", "regional"), env

    if kubectl.minor >= 30:
        token = kubectl("exec", "eks-iam-test4", "--", "cat", WEB_IDENTITY_TOKEN).stdout
        claims = verified_claims(node, token)
        assert claims["aud"] == ["sts.amazonaws.com"], claims
        assert claims["sub"] == "system:serviceaccount:default:iam-test", claims
        assert claims["kubernetes.io"]["pod"] == {"name": "eks-iam-test4", "uid": uid}, claims

        namespace = kubectl("exec", "eks-iam-test4", "--", "cat", f"{KUBE_API_ACCESS}/namespace")
        assert namespace.stdout == "default"
        # The kube-root-ca.crt ConfigMap's bundle (empty unless the server runs with --tls).
        ca = kubectl("exec", "eks-iam-test4", "--", "cat", f"{KUBE_API_ACCESS}/ca.crt").stdout
        assert ca == kubectl("get", "cm", "kube-root-ca.crt", "-o", r"jsonpath={.data.ca\.crt}").stdout
        api_token = kubectl("exec", "eks-iam-test4", "--", "cat", f"{KUBE_API_ACCESS}/token").stdout
        assert unverified_claims(api_token)["kubernetes.io"]["pod"]["uid"] == uid

        identity = kubectl("exec", "eks-iam-test4", "--", "aws", "sts", "get-caller-identity")
        assert json.loads(identity.stdout)["Arn"].startswith(ASSUMED), identity.stdout

        failed = kubectl("exec", "eks-iam-test4", "--", "sh", "-c", "exit 3", check=False)
        assert failed.returncode == 3, (failed.returncode, failed.stderr)

        echoed = kubectl("exec", "-i", "eks-iam-test4", "--", "cat", input="hi\n")
        assert echoed.stdout == "hi\n", echoed
    else:
        refused = kubectl("exec", "eks-iam-test4", "--", "cat", WEB_IDENTITY_TOKEN, check=False)
        assert refused.returncode != 0, refused.stdout
        assert "WebSocket" in refused.stderr and "SPDY is not supported" in refused.stderr, \
            refused.stderr

    # `sleep` as PID 1 ignores SIGTERM: a 1 s grace period ends it with SIGKILL.
    kubectl.delete("eks-iam-test4")
    kubectl("delete", "pod", "eks-iam-test3", timeout=90)
    assert containers_of("io.kubernetes.pod.name=eks-iam-test4") == []
    assert containers_of(f"io.kubernetes.pod.uid={uid}") == []
    listed = kubectl("get", "pods")
    assert "eks-iam-test" not in listed.stdout, listed.stdout
    assert "No resources found" in listed.stderr, listed.stderr


# --- roles -------------------------------------------------------------------------------

def test_a_pod_of_an_account_without_a_role_gets_no_credentials(kubectl):
    kubectl("create", "sa", "no-role")
    manifest = pod_manifest("no-role-pod", ("aws", ["aws", "s3", "ls"]), account="no-role")
    kubectl.apply(manifest)
    assert kubectl.wait_for_phase("no-role-pod", "Succeeded", "Failed") == "Failed"
    assert kubectl.status_column("no-role-pod") == "Error"
    pod = kubectl.pod("no-role-pod")
    names = [entry["name"] for entry in pod["spec"]["containers"][0].get("env", [])]
    assert "AWS_ROLE_ARN" not in names and "AWS_WEB_IDENTITY_TOKEN_FILE" not in names, names
    assert all(volume["name"] != "aws-iam-token" for volume in pod["spec"]["volumes"])
    assert "Unable to locate credentials" in kubectl.logs("no-role-pod")
    kubectl.delete("no-role-pod")


def test_a_role_that_trusts_another_account_refuses_the_pod(kubectl):
    kubectl("create", "sa", "other")
    kubectl("annotate", "sa", "other", f"eks.amazonaws.com/role-arn={ROLE_ARN}")
    kubectl.apply(pod_manifest("other-pod", ("aws", ["aws", "s3", "ls"]), account="other"))
    assert kubectl.wait_for_phase("other-pod", "Succeeded", "Failed") == "Failed"
    logs = kubectl.logs("other-pod")
    assert "AccessDenied" in logs and "AssumeRoleWithWebIdentity" in logs, logs
    kubectl.delete("other-pod")


# --- EKS Pod Identity ----------------------------------------------------------------------

PI_ROLE = "pi-test-role"
PI_TOKEN = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"
PI_ASSUMED = f"arn:aws:sts::111122223333:assumed-role/{PI_ROLE}/eks-eksworkshop-eksctl-"
PODS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
# The agent's link-local network: its gateway, the host's side, is the agent's address.
AGENT_NETWORK = "irsa-local-pod-identity"
# Prints the token's claims and the caller's identity, as a pod's workload would.
PI_SCRIPT = f"""
import base64, json, os, boto3
raw = open(os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], "rb").read()
payload = raw.split(b".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
print("newline=" + str(raw.endswith(b"\\n")))
print("claims=" + json.dumps(claims))
session = boto3.Session()
print("method=" + session.get_credentials().method)
print("arn=" + session.client("sts").get_caller_identity()["Arn"])
"""


def admin_aws(server, home, *args):
    """aws-cli on the host as the account's administrator."""
    done = subprocess.run(
        [str(pathlib.Path(sys.executable).with_name("aws")), *args, "--output", "json"],
        env={"PATH": os.environ["PATH"], "HOME": str(home), "AWS_ACCESS_KEY_ID": "test",
             "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-west-2",
             "AWS_ENDPOINT_URL": server.url},
        capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout)


def pod_identity_for(server, home, account):
    """A role trusting EKS Pod Identity, associated with `default/account` through the EKS
    API; its ARN."""
    role_arn = admin_aws(server, home, "iam", "create-role", "--role-name", PI_ROLE,
                         "--assume-role-policy-document", PODS_TRUST)["Role"]["Arn"]
    admin_aws(server, home, "eks", "create-pod-identity-association",
              "--cluster-name", "eksworkshop-eksctl", "--namespace", "default",
              "--service-account", account, "--role-arn", role_arn)
    return role_arn


def check_pod_identity_pod(kubectl, node, name, uid_source="pod"):
    """The pod ran to completion as the association's role, through the agent's address,
    with a token bound to it (no trailing newline, the pod identity audience)."""
    assert kubectl.wait_for_phase(name, "Succeeded", "Failed", timeout=90) == "Succeeded", \
        kubectl.logs(name)
    lines = dict(line.split("=", 1) for line in kubectl.logs(name).splitlines() if "=" in line)
    uid = kubectl.pod(name)["metadata"]["uid"]
    claims = json.loads(lines["claims"])
    assert lines["newline"] == "False", lines
    assert claims["aud"] == ["pods.eks.amazonaws.com"], claims
    assert claims["sub"] == "system:serviceaccount:default:pi-test", claims
    assert claims["kubernetes.io"]["pod"] == {"name": name, "uid": uid}, claims
    assert lines["method"] == "container-role", lines
    assert lines["arn"].startswith(PI_ASSUMED + name + "-"), lines
    [container] = containers_of(f"io.kubernetes.pod.uid={uid}")
    networks = json.loads(docker("inspect", container).stdout)[0]["NetworkSettings"]["Networks"]
    assert AGENT_NETWORK in networks, networks


def test_a_pod_identity_pod_gets_its_role_from_the_agent(kubectl, node, tmp_path):
    pod_identity_for(node, tmp_path, "pi-test")
    kubectl("create", "sa", "pi-test")
    port = node.url.rsplit(":", 1)[1]

    # The workshop's way: `aws sts get-caller-identity` in a pod of the associated account,
    # with nothing but the account in its spec; the webhook adds the rest.
    kubectl.apply(pod_manifest("pi-cli", ("aws", ["aws", "sts", "get-caller-identity"]),
                               account="pi-test"))
    assert kubectl.wait_for_phase("pi-cli", "Succeeded", "Failed", timeout=90) == "Succeeded", \
        kubectl.logs("pi-cli")
    assert json.loads(kubectl.logs("pi-cli"))["Arn"].startswith(PI_ASSUMED + "pi-cli-")
    pod = kubectl.pod("pi-cli")
    env = {entry["name"]: entry.get("value") for entry in pod["spec"]["containers"][0]["env"]}
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == f"http://169.254.170.23:{port}/v1/credentials", env
    assert env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] == PI_TOKEN, env
    assert "AWS_ROLE_ARN" not in env and "AWS_WEB_IDENTITY_TOKEN_FILE" not in env, env

    # boto3 in a pod whose spec a user wrote in full, as the webhook writes it: the token
    # is the pod's own and has no newline.
    manifest = pod_manifest("pi-boto3", ("boto3", ["python3", "-c", PI_SCRIPT]), account="pi-test")
    manifest["spec"]["containers"][0]["env"] = [
        {"name": "AWS_DEFAULT_REGION", "value": "us-west-2"},
        {"name": "AWS_REGION", "value": "us-west-2"},
        {"name": "AWS_CONTAINER_CREDENTIALS_FULL_URI",
         "value": f"http://169.254.170.23:{port}/v1/credentials"},
        {"name": "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "value": PI_TOKEN}]
    manifest["spec"]["containers"][0]["volumeMounts"] = [{
        "name": "eks-pod-identity-token", "readOnly": True,
        "mountPath": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"}]
    manifest["spec"]["volumes"] = [{"name": "eks-pod-identity-token", "projected": {"sources": [
        {"serviceAccountToken": {"audience": "pods.eks.amazonaws.com",
                                 "expirationSeconds": 86400, "path": "eks-pod-identity-token"}}]}}]
    kubectl.apply(manifest)
    check_pod_identity_pod(kubectl, node, "pi-boto3")
    kubectl.delete("pi-cli", "pi-boto3")


def test_a_pod_without_pod_identity_is_unaffected(kubectl, node, tmp_path):
    # An association for another account changes nothing for iam-test's pods: IRSA still.
    pod_identity_for(node, tmp_path, "someone-else")
    kubectl.apply(pod_manifest("irsa-pod", ("aws", ["aws", "sts", "get-caller-identity"])))
    assert kubectl.wait_for_phase("irsa-pod", "Succeeded", "Failed") == "Succeeded", \
        kubectl.logs("irsa-pod")
    assert json.loads(kubectl.logs("irsa-pod"))["Arn"].startswith(ASSUMED)
    names = [entry["name"] for entry in kubectl.pod("irsa-pod")["spec"]["containers"][0]["env"]]
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in names, names
    assert "AWS_ROLE_ARN" in names, names
    kubectl.delete("irsa-pod")


# --- logs and restarts -------------------------------------------------------------------

def test_logs_tail_container_and_follow(kubectl):
    kubectl.apply(pod_manifest(
        "printer", ("printer", ["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"])))
    kubectl.wait_for_phase("printer", "Succeeded")
    assert kubectl.logs("printer", "--tail=2") == "line4\nline5\n"
    assert kubectl.logs("printer", "-c", "printer") == "".join(f"line{i}\n" for i in range(1, 6))
    unknown = kubectl("logs", "printer", "-c", "nope", check=False)
    assert unknown.returncode != 0
    assert "container nope is not valid for pod printer" in unknown.stderr, unknown.stderr

    # Followed while it runs, the log ends when the container does.
    kubectl.apply(pod_manifest("talker", ("talker", ["sh", "-c", "echo start; sleep 3; echo end"])))
    kubectl.wait_for_phase("talker", "Running")
    followed = kubectl("logs", "-f", "talker", timeout=30)
    assert followed.stdout == "start\nend\n", followed
    kubectl.delete("printer", "talker")


def test_on_failure_restarts_until_the_container_succeeds(kubectl):
    script = ("if [ -f /work/ran ]; then echo second; exit 0; fi; "
              "touch /work/ran; echo first; exit 1")
    kubectl.apply(work_dir(pod_manifest("retried", ("retried", ["sh", "-c", script]),
                                        restart="OnFailure")))
    # The first back-off is 10 s.
    kubectl.wait_for_phase("retried", "Succeeded", timeout=40)
    status = container_status(kubectl.pod("retried"), "retried")
    assert status["restartCount"] == 1, status
    assert status["state"]["terminated"]["exitCode"] == 0, status
    assert kubectl.logs("retried", "--previous") == "first\n"
    assert kubectl.logs("retried") == "second\n"
    kubectl.delete("retried")


# --- the pod's containers together ---------------------------------------------------------

def test_the_containers_of_a_pod_share_localhost(kubectl):
    probe = ('for i in $(seq 1 30); do python3 -c "import urllib.request;'
             'urllib.request.urlopen(\\"http://127.0.0.1:8080\\")" && echo reached && exit 0; '
             'sleep 1; done; exit 1')
    kubectl.apply(pod_manifest("pair", ("a", ["python3", "-m", "http.server", "8080"]),
                               ("b", ["sh", "-c", probe])))
    kubectl.wait_for_phase("pair", "Running")
    deadline = time.monotonic() + 60
    while "terminated" not in (state := container_status(kubectl.pod("pair"), "b")["state"]):
        assert time.monotonic() < deadline, f"b has not ended within 60 s: {state}"
        time.sleep(1)
    assert state["terminated"]["exitCode"] == 0, (state, kubectl.logs("pair", "-c", "b"))
    assert "reached" in kubectl.logs("pair", "-c", "b")
    assert "running" in container_status(kubectl.pod("pair"), "a")["state"]
    kubectl.delete("pair")


def test_init_containers_run_first(kubectl):
    manifest = work_dir(
        pod_manifest("ordered", ("main", ["sh", "-c", "echo main >> /work/order; cat /work/order"])),
        init=[("i1", ["sh", "-c", "echo init >> /work/order"])])
    kubectl.apply(manifest)
    kubectl.wait_for_phase("ordered", "Succeeded")
    assert kubectl.logs("ordered", "-c", "main") == "init\nmain\n"
    assert container_status(kubectl.pod("ordered"), "i1")["state"]["terminated"]["exitCode"] == 0
    kubectl.delete("ordered")


# --- the server's lifetime ---------------------------------------------------------------------

def test_a_stopped_server_stops_its_pods_and_runs_them_again_at_start(engine, tmp_path):
    data_dir = seeded_data_dir(tmp_path)
    first = start_node(data_dir)
    second = None
    try:
        kubectl = Kubectl(NEWEST_KUBECTL, first, tmp_path)
        # A short grace period keeps the stop (SIGTERM, then SIGKILL) within Server.stop's wait.
        kubectl.apply(pod_manifest("sleeper", ("sleeper", ["sleep", "36000"]),
                                   terminationGracePeriodSeconds=2))
        kubectl.wait_for_phase("sleeper", "Running")
        uid = kubectl.pod("sleeper")["metadata"]["uid"]
        assert len(containers_of(f"io.kubernetes.pod.uid={uid}")) == 1

        first.stop()
        assert containers_of(f"io.kubernetes.pod.uid={uid}") == [], \
            "the server's stop leaves no container of its pods"

        second = start_node(data_dir)
        kubectl = Kubectl(NEWEST_KUBECTL, second, tmp_path)
        kubectl.wait_for_phase("sleeper", "Running")
        assert kubectl.pod("sleeper")["metadata"]["uid"] == uid
        assert len(containers_of(f"io.kubernetes.pod.uid={uid}", "io.kubernetes.pod.name=sleeper")) == 1
        kubectl.delete("sleeper")
        assert containers_of(f"io.kubernetes.pod.uid={uid}") == []
    finally:
        for server in (first, second):
            if server:
                stop_node(server)


# --- slow: last --------------------------------------------------------------------------

REFRESH_SCRIPT = f"""
import base64, json, time, boto3

def claims():
    payload = open({WEB_IDENTITY_TOKEN!r}).read().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

first = claims()
print(f"lifetime={{first['exp'] - first['iat']}}")
sts = boto3.Session().client("sts")
end = time.time() + 540
while True:
    iat = claims()["iat"]
    try:
        print(f"iat={{iat}} ok={{sts.get_caller_identity()['Arn']}}")
    except Exception as error:
        print(f"iat={{iat}} error={{error!r}}")
    if time.time() >= end:
        break
    time.sleep(20)
"""


def test_token_refresh_keeps_a_long_running_boto3_client_working(kubectl):
    """Slow (about 10 minutes): a 600 s token is replaced after 80% of its lifetime (480 s,
    plus up to 10 s of jitter), as the kubelet does, while one boto3 client keeps calling."""
    kubectl("annotate", "sa", "iam-test", "eks.amazonaws.com/token-expiration=600")
    kubectl.apply(pod_manifest("refresher", ("refresher", ["python3", "-u", "-c", REFRESH_SCRIPT])))
    volume = kubectl.pod("refresher")["spec"]["volumes"][0]
    assert volume["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 600
    kubectl.wait_for_phase("refresher", "Running")
    phase = kubectl.wait_for_phase("refresher", "Succeeded", "Failed", timeout=660)
    lines = kubectl.logs("refresher").splitlines()
    assert phase == "Succeeded", lines
    assert lines[0] == "lifetime=600", lines
    calls = lines[1:]
    assert len(calls) >= 25 and all(" ok=" + ASSUMED in line for line in calls), lines
    issued = sorted({int(line.split()[0].removeprefix("iat=")) for line in calls})
    assert len(issued) >= 2, f"the token file was never replaced: {lines}"
    assert 470 <= issued[1] - issued[0] <= 520, issued
    kubectl.delete("refresher")
