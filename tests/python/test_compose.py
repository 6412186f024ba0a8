"""docker-compose.yml and the Dockerfile, checked fast without Docker (test_image.py runs
them for real on an engine): the files are parsed and compared with what the pod identity webhook gives the
workshop's seed pod, then the compose file is replayed natively — `irsa` with its own
arguments (listen address and volume path rewritten), its health check, and `client`'s
command with its environment (endpoint rewritten to the real port)."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

from conftest import BINARY, ROOT, Server, seeded_data_dir

AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))
BUCKET = "eksworkshop-111122223333-us-west-2"
IMAGE_BINARY = "/usr/local/bin/irsa-local"
# Where the webhook mounts the token volume, and the file in it (REFERENCE.md 9.2).
MOUNT = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
TOKEN_FILE = f"{MOUNT}/token"
# The workshop's seed pod, which `irsa-local mutate` turns into what the webhook admits.
SEED_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "eks-iam-test4", "namespace": "default"},
    "spec": {"serviceAccountName": "iam-test", "restartPolicy": "Never",
             "containers": [{"name": "eks-iam-test", "image": "amazon/aws-cli:latest", "args": ["s3", "ls"]}]},
}


def webhook_env(tmp_path):
    """The variables `irsa-local mutate` gives the seed pod's container, and its mounts."""
    pod_file = tmp_path / "pod.json"
    pod_file.write_text(json.dumps(SEED_POD))
    mutated = subprocess.run([BINARY, "mutate", "-f", str(pod_file), "--data-dir", str(tmp_path / "data")],
                             capture_output=True, text=True, check=False)
    assert mutated.returncode == 0, mutated.stderr
    container = json.loads(mutated.stdout)["spec"]["containers"][0]
    return ({entry["name"]: entry["value"] for entry in container["env"]},
            {mount["mountPath"]: mount.get("readOnly", False) for mount in container["volumeMounts"]})


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def volume_mounts(service):
    """{target: (source, read_only)} from the short `source:target[:ro]` syntax."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, target, *mode = entry.split(":")
        mounts[target] = (source, mode == ["ro"])
    return mounts


def test_docker_compose_accepts_the_file():
    """Debian's docker-compose 1.29 checks the file against the compose schema with no
    Docker engine (apt-get install --no-install-recommends docker-compose; .ci/run does).
    Without it the test fails rather than skips."""
    assert shutil.which("docker-compose"), "docker-compose is missing: apt-get install docker-compose"
    checked = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config",
                              "-q"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_client_env_and_mount_are_what_mutate_gives_the_seed_pod(tmp_path):
    env, mounts = webhook_env(tmp_path)
    assert env["AWS_WEB_IDENTITY_TOKEN_FILE"] == TOKEN_FILE and mounts == {MOUNT: True}
    client = compose()["services"]["client"]
    environment = client["environment"]
    assert isinstance(environment, dict), "environment as a mapping"
    assert {key: value for key, value in environment.items() if key != "AWS_ENDPOINT_URL"} == env
    assert volume_mounts(client)[MOUNT] == ("aws-iam-token", True)
    assert environment["AWS_ENDPOINT_URL"] == "http://irsa:4772"
    assert client["image"].startswith("amazon/aws-cli:2.")
    assert client["command"] == ["s3", "ls"]


def test_both_services_share_the_token_volume_the_client_read_only():
    document = compose()
    irsa, client = document["services"]["irsa"], document["services"]["client"]
    assert volume_mounts(irsa)[MOUNT] == ("aws-iam-token", False)
    assert volume_mounts(client)[MOUNT] == ("aws-iam-token", True)
    assert "aws-iam-token" in document["volumes"], "a named volume"


def test_irsa_serves_the_default_world_and_projects_the_seed_pods_token():
    irsa = compose()["services"]["irsa"]
    assert irsa["build"] == "."
    command = irsa["command"]
    assert command[0] == "serve"
    options = dict(zip(command[1::2], command[2::2]))
    assert options == {
        "--listen": "0.0.0.0:4772",
        "--public-url": "http://irsa:4772",
        "--project": f"default/iam-test={TOKEN_FILE}",
    }


def test_the_healthcheck_gates_the_client():
    document = compose()
    health = document["services"]["irsa"]["healthcheck"]
    assert health["test"] == ["CMD", IMAGE_BINARY, "health"]
    assert document["services"]["client"]["depends_on"] == {
        "irsa": {"condition": "service_healthy"}}


def test_dockerfile_builds_in_stages_and_runs_the_binary_alone_as_non_root():
    stages = []  # [(FROM arguments, [instructions of the stage])]
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            stages.append((arguments, []))
        elif stages:
            stages[-1][1].append((keyword, arguments))
    assert len(stages) == 2
    (builder_image, builder), (runtime_image, runtime) = stages
    assert re.fullmatch(r"rust:\$\{RUST_VERSION\}-bookworm AS builder", builder_image)
    assert runtime_image.startswith("gcr.io/distroless/cc-debian12:nonroot")
    build_steps = " ".join(arguments for keyword, arguments in builder if keyword == "RUN")
    assert "cargo build --release --locked" in build_steps
    final = {keyword: arguments for keyword, arguments in runtime}
    assert final["USER"].split(":")[0] not in ("", "0", "root")
    assert final["EXPOSE"] == "4772"
    assert json.loads(final["ENTRYPOINT"]) == [IMAGE_BINARY]
    assert json.loads(final["CMD"]) == ["serve", "--listen", "0.0.0.0:4772"]
    health_command = final["HEALTHCHECK"].split(" CMD ", 1)[1]
    assert json.loads(health_command) == [IMAGE_BINARY, "health"]
    copies = [arguments for keyword, arguments in runtime if keyword == "COPY"]
    assert all(copy.startswith("--from=builder") for copy in copies), "nothing else in it"
    assert any(copy.endswith(f" {MOUNT}") and "--chown=65532:65532" in copy for copy in copies), \
        "the token folder belongs to the runtime user, so the named volume starts writable"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"target/", ".venv/", ".irsa-local/"} <= set(ignored)


def test_compose_replayed_natively(tmp_path):
    """`docker compose up` without Docker: the same arguments, environment and command."""
    document = compose()
    irsa, client = document["services"]["irsa"], document["services"]["client"]
    volume = tmp_path / "aws-iam-token"

    def on_host(text):
        return text.replace(MOUNT, str(volume))

    arguments, skip = [], False
    for argument in irsa["command"][1:]:
        if skip:
            skip = False
        elif argument == "--listen":  # Server listens on 127.0.0.1:0 itself
            skip = True
        else:
            arguments.append(on_host(argument))
    server = Server(seeded_data_dir(tmp_path), *arguments)
    try:
        # The server wrote the token before it said it was listening.
        token = volume / "token"
        assert token.is_file()

        health = irsa["healthcheck"]["test"][1:]
        assert health[0] == IMAGE_BINARY
        checked = subprocess.run([BINARY, *health[1:]], env={**os.environ, "AWS_ENDPOINT_URL": server.url},
                                 capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr

        environment = {key: on_host(str(value)) for key, value in client["environment"].items()}
        environment["AWS_ENDPOINT_URL"] = server.url
        environment.update(PATH=os.environ["PATH"], HOME=str(tmp_path),
                           AWS_CONFIG_FILE=str(tmp_path / "config"),
                           AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"))
        listed = subprocess.run([AWS_CLI, *client["command"]], env=environment,
                                capture_output=True, text=True, check=False)
        assert listed.returncode == 0, listed.stderr
        assert BUCKET in listed.stdout
    finally:
        server.stop()

    stopped = subprocess.run([BINARY, "health", "--url", server.url], capture_output=True,
                             text=True, check=False)
    assert stopped.returncode == 1, "a stopped server is unhealthy"

