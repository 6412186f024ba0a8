"""The Dockerfile and docker-compose.yml, run for real on the Docker engine tests/run.sh
prepares (DOCKER_HOST), with the base images stood in for by tests/docker/standins.sh:
no registry is reachable from the test machines. What the README tells users is what runs:
`docker build -t irsa-local .`, `docker run -p 127.0.0.1:4772:4772 irsa-local` answered
by aws-cli from the host, and the compose recipe with `--exit-code-from client`."""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT

AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))
BUCKET = "eksworkshop-111122223333-us-west-2"
IMAGE = "irsa-local"  # the README's tag
COMPOSE = shutil.which("docker-compose") or "docker-compose"


def docker(*args, check=True, timeout=900):
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check:
        assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def image():
    """The project's image, built with the Dockerfile as committed (the classic builder,
    which docker-compose v1 also uses; BuildKit reads the same file)."""
    started = time.monotonic()
    docker("build", "-t", IMAGE, str(ROOT), timeout=1800)
    print(f"docker build: {time.monotonic() - started:.1f} s")
    return IMAGE


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_image_holds_the_binary_alone_and_runs_as_nonroot(image):
    inspected = json.loads(docker("image", "inspect", image).stdout)[0]
    size_mb = inspected["Size"] / 1e6
    print(f"image size: {size_mb:.1f} MB")
    assert size_mb <= 30, f"the runtime image is {size_mb:.1f} MB"
    config = inspected["Config"]
    assert config["User"] == "65532:65532"
    assert config["Entrypoint"] == ["/usr/local/bin/irsa-local"]
    # No shell in it: distroless.
    ran = docker("run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true", check=False)
    assert ran.returncode != 0


def test_docker_run_published_on_loopback_answers_aws_cli_from_the_host(image):
    port = free_port()
    name = f"irsa-local-test-run-{port}"
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:4772", image)
    try:
        deadline = time.monotonic() + 60
        while True:
            health = docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
            if health == "healthy":
                break
            assert health in ("starting", ""), docker("logs", name).stderr
            assert time.monotonic() < deadline, f"not healthy in 60 s: {health}"
            time.sleep(0.5)
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-west-2", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
        for name_var in ("AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
            env.pop(name_var, None)
        listed = subprocess.run([AWS_CLI, "s3", "ls"], capture_output=True, text=True, env=env, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert BUCKET in listed.stdout
    finally:
        docker("rm", "-f", name, check=False)


def test_the_compose_recipe_as_the_readme_writes_it(image, tmp_path):
    project = f"irsa-local-test-{os.getpid()}"
    command = [COMPOSE, "-p", project, "up", "--build", "--abort-on-container-exit",
               "--exit-code-from", "client"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        print(f"docker-compose up to the client's exit: {time.monotonic() - started:.1f} s")
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        assert BUCKET in output, output[-4000:]
        # The token volume: written by the server (65532), read-only in the client.
        volume = f"{project}_aws-iam-token"
        mounted = json.loads(docker("inspect", f"{project}_client_1").stdout)[0]["Mounts"]
        assert [(m["Name"], m["RW"]) for m in mounted] == [(volume, False)]
    finally:
        subprocess.run([COMPOSE, "-p", project, "down", "-v", "--rmi", "local", "--remove-orphans"], cwd=ROOT,
                       capture_output=True, timeout=300)


def test_the_boto3_example_runs_a_users_test_as_the_pod(image):
    """examples/boto3: the client is a user's own test image (python, boto3, an app that
    knows nothing of irsa-local) with only the IRSA variables."""
    example = ROOT / "examples" / "boto3"
    project = f"irsa-local-example-{os.getpid()}"
    command = [COMPOSE, "-p", project, "up", "--build", "--abort-on-container-exit",
               "--exit-code-from", "client"]
    try:
        done = subprocess.run(command, cwd=example, capture_output=True, text=True, timeout=1800)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        assert "assumed-role/iam-test/" in output, output[-4000:]
        assert "create_bucket: AccessDenied" in output, output[-4000:]
    finally:
        subprocess.run([COMPOSE, "-p", project, "down", "-v", "--rmi", "local", "--remove-orphans"],
                       cwd=example, capture_output=True, timeout=300)
