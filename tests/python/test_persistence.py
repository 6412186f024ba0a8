"""Every acknowledged IAM write survives a SIGKILL: a burst of concurrent CreateRole and
PutRolePolicy calls is cut short by kill -9, the server restarts on the same data dir, and
every write that got a 200 is there. `serve --reset` starts from the world file again."""

import concurrent.futures
import json
import signal
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

from conftest import Server, seeded_data_dir

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
