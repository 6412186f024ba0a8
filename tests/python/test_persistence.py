"""Every acknowledged IAM write survives a SIGKILL: a burst of concurrent CreateRole and
PutRolePolicy calls is cut short by kill -9, the server restarts on the same data dir, and
every write that got a 200 is there. `serve --reset` starts from the world file again."""

import concurrent.futures
import json
import signal
import subprocess
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

from conftest import BINARY, ROOT, Server, seeded_data_dir

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
READ = json.dumps({"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def iam(server):
    return boto3.client(
        "iam", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    )


def all_roles(client):
    names = set()
    for page in client.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 100}):
        names.update(role["RoleName"] for role in page["Roles"])
    return names


def test_acknowledged_writes_survive_sigkill(tmp_path):
    data_dir = seeded_data_dir(tmp_path)
    server = Server(data_dir)
    client = iam(server)
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker):
        index = 0
        while not stop.is_set():
            name = f"burst-{worker}-{index}"
            index += 1
            try:
                client.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
                client.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=READ)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                return
            with lock:
                acknowledged.append(name)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(writer, worker) for worker in range(8)]
        deadline = time.time() + 30
        while len(acknowledged) < 40 and time.time() < deadline:
            time.sleep(0.05)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        stop.set()
        for future in futures:
            future.result()
    assert len(acknowledged) >= 40, "the burst was too slow to be cut short"

    restarted = Server(data_dir)
    try:
        client = iam(restarted)
        present = all_roles(client)
        missing = [name for name in acknowledged if name not in present]
        assert not missing, f"{len(missing)} acknowledged roles lost: {missing[:5]}"
        for name in acknowledged[:5] + acknowledged[-5:]:
            assert client.list_role_policies(RoleName=name)["PolicyNames"] == ["read"]
    finally:
        restarted.stop()

    reset = Server(data_dir, "--reset")
    try:
        assert all_roles(iam(reset)) == {"iam-test"}
    finally:
        reset.stop()


def test_state_export_prints_a_world_file_that_serves_again(tmp_path):
    """`irsa-local state export` prints the saved state as a world file (while the server
    runs), and a server started on that file with a new data dir serves the same roles."""
    data_dir = seeded_data_dir(tmp_path)
    server = Server(data_dir)
    try:
        client = iam(server)
        client.create_role(RoleName="exported", AssumeRolePolicyDocument=TRUST)
        client.put_role_policy(RoleName="exported", PolicyName="read", PolicyDocument=READ)
        printed = server.cli("state", "export")
        assert printed.returncode == 0, printed.stderr
        world = json.loads(printed.stdout)
        assert [r["name"] for r in world["roles"]] == ["iam-test", "exported"]
    finally:
        server.stop()
    world_file = tmp_path / "exported-world.json"
    world_file.write_text(printed.stdout)
    again = Server(tmp_path / "fresh", "--config", str(world_file))
    try:
        client = iam(again)
        assert all_roles(client) == {"iam-test", "exported"}
        assert client.list_role_policies(RoleName="exported")["PolicyNames"] == ["read"]
    finally:
        again.stop()


def test_state_export_on_an_empty_data_dir_says_so(tmp_path):
    done = subprocess.run([BINARY, "state", "export", "--data-dir", str(tmp_path / "none")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "holds no saved state" in done.stderr
    assert not (tmp_path / "none").exists(), "export creates nothing"


def test_a_world_json_saved_by_an_earlier_version_is_moved_into_the_database(tmp_path):
    """Versions before the state database saved `state/world.json` whole: its roles are
    served after an upgrade, the file is gone, and interrupted saves' temporary files too."""
    data_dir = seeded_data_dir(tmp_path)
    base = Server(data_dir)
    try:
        exported = base.cli("state", "export")
    finally:
        base.stop()
    assert exported.returncode == 1, "a fresh server saves nothing until a change"
    state = data_dir / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    for name in ("world.db", "world.db-wal", "world.db-shm"):
        (state / name).unlink(missing_ok=True)
    world = json.loads((ROOT / "fixtures" / "default-world.json").read_text())
    world["roles"].append({"name": "from-an-older-version", "assumeRolePolicyDocument": json.loads(TRUST)})
    fingerprint = "0" * 64
    (state / "world.json").write_text(json.dumps(
        {"format": 1, "baseFingerprint": fingerprint, "world": world}))
    (state / ".world.json.42.tmp").write_text("half a save")
    upgraded = Server(data_dir)
    try:
        assert "from-an-older-version" in all_roles(iam(upgraded))
        assert not (state / "world.json").exists()
        assert not (state / ".world.json.42.tmp").exists()
        assert (state / "world.db").exists()
    finally:
        upgraded.stop()
