"""Token files through real clients: `irsa-local exec` and `env` make aws-cli act as the
workshop pod even with static keys in the caller's environment, and a token file that
`serve --project` replaces (SIGHUP forces what the kubelet does at 80% of the lifetime)
keeps a long-running boto3 client working, while the old token still assumes the role."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import boto3
import botocore.config

from conftest import BINARY, Server, seeded_data_dir

AWS_CLI = str(pathlib.Path(sys.executable).with_name("aws"))
BUCKET = "eksworkshop-111122223333-us-west-2"
ROLE_ARN = "arn:aws:iam::111122223333:role/iam-test"


def caller_env(home, **extra):
    """A caller with its own HOME (aws-cli caches credentials there) and no AWS config."""
    return {"PATH": os.environ["PATH"], "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"), **extra}


# The admin's keys: valid, so if they shadowed IRSA the caller would be the account root.
STATIC_KEYS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_SESSION_TOKEN": "stale", "AWS_PROFILE": "no-such-profile"}


def exec_irsa(server, home, *command, **extra):
    return subprocess.run(
        [BINARY, "exec", "-n", "default", "-s", "iam-test", "--data-dir", str(server.data_dir),
         "--endpoint-url", server.url, "--", *command],
        env=caller_env(home, **extra), capture_output=True, text=True, check=False)


def test_exec_lists_the_bucket_as_the_pod(server, tmp_path):
    listed = exec_irsa(server, tmp_path, AWS_CLI, "s3", "ls")
    assert listed.returncode == 0, listed.stderr
    assert BUCKET in listed.stdout


def test_exec_and_env_win_over_static_keys_and_profiles(server, tmp_path):
    executed = exec_irsa(server, tmp_path / "exec", AWS_CLI, "sts", "get-caller-identity",
                         "--output", "json", **STATIC_KEYS)
    assert executed.returncode == 0, executed.stderr
    assert json.loads(executed.stdout)["Arn"].startswith(
        "arn:aws:sts::111122223333:assumed-role/iam-test/")

    home = tmp_path / "env"
    home.mkdir()
    script = (f'eval "$("$IRSA_LOCAL" env -s iam-test --data-dir "$DATA_DIR")" && '
              f'"$AWS_CLI" sts get-caller-identity --output json')
    evaluated = subprocess.run(
        ["sh", "-c", script],
        env=caller_env(home, IRSA_LOCAL=BINARY, AWS_CLI=AWS_CLI, AWS_ENDPOINT_URL=server.url,
                       DATA_DIR=str(server.data_dir), **STATIC_KEYS),
        capture_output=True, text=True, check=False)
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["Arn"].startswith(
        "arn:aws:sts::111122223333:assumed-role/iam-test/")


def test_refreshed_token_file_keeps_a_long_running_boto3_client_working(tmp_path, monkeypatch):
    token_path = tmp_path / "serviceaccount" / "token"
    server = Server(seeded_data_dir(tmp_path), "--project", f"default/iam-test={token_path}",
                    "--token-expiration", "600")
    try:
        first = token_path.read_text()
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                     "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in caller_env(tmp_path, AWS_ROLE_ARN=ROLE_ARN,
                                      AWS_WEB_IDENTITY_TOKEN_FILE=str(token_path),
                                      AWS_ENDPOINT_URL=server.url, AWS_REGION="us-west-2",
                                      AWS_DEFAULT_REGION="us-west-2").items():
            monkeypatch.setenv(name, value)

        session = boto3.Session()
        credentials = session.get_credentials()
        assert credentials.method == "assume-role-with-web-identity"
        # botocore reads the token file again only when its one-hour credentials come
        # within 15 minutes of expiring. Widening both windows past the hour makes every
        # call read the file and assume the role anew, as the client would an hour on.
        credentials._advisory_refresh_timeout = credentials._mandatory_refresh_timeout = 7200
        fetcher = credentials._refresh_using.__self__
        fetcher._expiry_window_seconds = 7200
        tokens_read = []
        read_token = fetcher._web_identity_token_loader

        def recording_loader():
            token = read_token()
            tokens_read.append(token)
            return token

        fetcher._web_identity_token_loader = recording_loader
        s3 = session.client("s3")

        errors, calls, stop = [], [0], threading.Event()

        def client_loop():
            while not stop.is_set():
                try:
                    names = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
                    assert BUCKET in names, names
                    calls[0] += 1
                except Exception as err:  # any failure is the finding
                    errors.append(repr(err))
                    return

        worker = threading.Thread(target=client_loop, daemon=True)
        worker.start()
        seen = {first}
        for _ in range(3):
            before = token_path.read_text()
            server.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while token_path.read_text() == before:
                assert time.monotonic() < deadline, "SIGHUP replaced the token file"
                time.sleep(0.01)
            seen.add(token_path.read_text())
            # Let the client read the new token and use it a few times.
            used, deadline = len(tokens_read), time.monotonic() + 10
            while len(tokens_read) < used + 3 and not errors:
                assert time.monotonic() < deadline, "the client keeps calling"
                time.sleep(0.01)
        stop.set()
        worker.join(timeout=30)

        assert errors == [], errors
        assert len(seen) == 4, "three refreshes, four tokens"
        assert set(tokens_read) >= seen - {first} and first in tokens_read, \
            "the client read every token the file held"
        assert all(token.count(".") == 2 and not token.endswith("\n") for token in tokens_read), \
            "never a partial file"
        assert calls[0] >= 9

        # The replaced token still assumes the role until it expires.
        sts = boto3.client("sts", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
        answer = sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="old-token",
                                                   WebIdentityToken=first)
        assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
        claims = json.loads(subprocess.run([BINARY, "decode", "--data-dir", str(server.data_dir), "-"],
                                           input=first, capture_output=True, text=True,
                                           check=True).stdout)["claims"]
        assert claims["exp"] - claims["iat"] == 600
    finally:
        server.stop()


# --- EKS Pod Identity ----------------------------------------------------------------------

PODS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"]}]})


def admin_aws(server, home, *args):
    """aws-cli as the account's administrator against `server`."""
    done = subprocess.run(
        [AWS_CLI, *args, "--output", "json"],
        env=caller_env(home, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                       AWS_DEFAULT_REGION="us-west-2", AWS_ENDPOINT_URL=server.url),
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else None


def associate(server, home, role, namespace, account):
    """A role that trusts EKS Pod Identity, associated with `namespace/account` through the
    EKS API, as `aws eks create-pod-identity-association` makes it."""
    home.mkdir(exist_ok=True)
    role_arn = admin_aws(server, home, "iam", "create-role", "--role-name", role,
                         "--assume-role-policy-document", PODS_TRUST)["Role"]["Arn"]
    admin_aws(server, home, "iam", "attach-role-policy", "--role-name", role,
              "--policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    created = admin_aws(server, home, "eks", "create-pod-identity-association",
                        "--cluster-name", "eksworkshop-eksctl", "--namespace", namespace,
                        "--service-account", account, "--role-arn", role_arn)
    assert created["association"]["roleArn"] == role_arn, created
    return role_arn


def test_exec_pod_identity_gets_the_associations_role_from_the_agent(server, tmp_path):
    associate(server, tmp_path / "admin", "pi-exec-role", "default", "pi-test")
    for name, flags in (("asked", ["--pod-identity"]), ("chosen_as_the_webhook_would", [])):
        home = tmp_path / name
        home.mkdir()
        executed = subprocess.run(
            [BINARY, "exec", "-s", "pi-test", *flags, "--data-dir", str(server.data_dir),
             "--endpoint-url", server.url, "--", "sh", "-c",
             'printf "%s\\n" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" >&2; '
             f'exec "{AWS_CLI}" sts get-caller-identity --output json'],
            env=caller_env(home, AWS_ROLE_ARN=ROLE_ARN,
                           AWS_WEB_IDENTITY_TOKEN_FILE=str(tmp_path / "stale-token"),
                           **STATIC_KEYS),
            capture_output=True, text=True, check=False)
        assert executed.returncode == 0, f"case {name}: {executed.stderr}"
        port = server.url.rsplit(":", 1)[1]
        assert f"http://127.0.0.1:{port}/v1/credentials" in executed.stderr, executed.stderr
        arn = json.loads(executed.stdout)["Arn"]
        # A token bound to no pod: the session is named after the service account.
        assert arn.startswith(
            "arn:aws:sts::111122223333:assumed-role/pi-exec-role/eks-eksworkshop-eksctl-pi-test-"), \
            f"case {name}: {arn}"

    # The same role's permissions reach S3 through the agent's credentials.
    listed = subprocess.run(
        [BINARY, "exec", "-s", "pi-test", "--data-dir", str(server.data_dir),
         "--endpoint-url", server.url, "--", AWS_CLI, "s3", "ls"],
        env=caller_env(tmp_path / "asked"), capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    assert BUCKET in listed.stdout
