"""Time from `POST …/pods` to the pod's phase `Running`, on a real Docker engine, with the
image present (amazon/aws-cli:latest, `sleep`): the figure `kubectl apply` → `Running`
depends on. Usage:

    DOCKER_HOST=unix:///… .venv/bin/python bench/pod_start.py BINARY [RUNS]

Starts BINARY with `--container-runtime docker` on a fresh data dir, creates RUNS pods one
after another, polls each every 5 ms until Running, deletes it (grace 0), and prints the
median, min and max.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--log-format", "json",
             "--data-dir", data, "--container-runtime", "docker"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        for line in server.stderr:
            entry = json.loads(line) if line.startswith("{") else {}
            if "address" in entry:
                url = f"http://{entry['address']}/api/v1/namespaces/default/pods"
                break
        # Drain the request log, so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        try:
            times = []
            for run in range(runs):
                name = f"bench-{run}"
                pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": {"serviceAccountName": "iam-test", "restartPolicy": "Never",
                                "terminationGracePeriodSeconds": 0,
                                "containers": [{"name": "c", "image": "amazon/aws-cli:latest",
                                                "imagePullPolicy": "IfNotPresent",
                                                "command": ["sleep", "600"]}]}}
                start = time.monotonic()
                requests.post(url, json=pod, timeout=10).raise_for_status()
                while requests.get(f"{url}/{name}", timeout=10).json()["status"]["phase"] != "Running":
                    time.sleep(0.005)
                times.append(time.monotonic() - start)
                requests.delete(f"{url}/{name}", json={"gracePeriodSeconds": 0}, timeout=10)
            ms = [t * 1000 for t in times]
            print(f"create -> Running over {runs} pods: median {statistics.median(ms):.0f} ms, "
                  f"min {min(ms):.0f} ms, max {max(ms):.0f} ms")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
