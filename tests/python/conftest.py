"""Starts the real irsa-local binary for the Python tests (real clients: PyJWT, requests).

The binary comes from IRSA_LOCAL_BIN (tests/run.sh sets it to the one cargo just built).
Each server gets its own data dir and an ephemeral port, read back from the JSON log.
"""

import json
import os
import pathlib
import shutil
import subprocess
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("IRSA_LOCAL_BIN", str(ROOT / "target" / "debug" / "irsa-local"))
FIXTURE_KEY = ROOT / "fixtures" / "test-signing-key.pem"
ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"


class Server:
    """A running `irsa-local serve` on 127.0.0.1 with a private data dir."""

    def __init__(self, data_dir: pathlib.Path, *extra_args: str):
        self.data_dir = data_dir
        # Pods are stored, not run, unless a test asks for the engine
        # (`--container-runtime docker`, tests/python/test_pods.py).
        runtime = [] if any(a.startswith("--container-runtime") for a in extra_args) \
            else ["--container-runtime", "none"]
        self.process = subprocess.Popen(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--log-format", "json",
             "--data-dir", str(data_dir), *runtime, *extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.url = None
        for line in self.process.stderr:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "address" in entry:
                self.url = f"http://{entry['address']}"
                break
        if self.url is None:
            raise RuntimeError(f"irsa-local exited with {self.process.wait()} before listening")
        # Drain the request log so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Runs an offline command against this server's data dir."""
        return subprocess.run([BINARY, *args, "--data-dir", str(self.data_dir)],
                              capture_output=True, text=True, check=False)

    def kubeconfig(self, directory: pathlib.Path, *extra_args: str,
                   server_url: str = "") -> pathlib.Path:
        """Writes the kubeconfig `irsa-local kubeconfig` prints for this server into
        `directory`, and returns its path."""
        printed = subprocess.run(
            [BINARY, "kubeconfig", "--data-dir", str(self.data_dir),
             "--server", server_url or self.url, *extra_args],
            capture_output=True, text=True, check=False,
        )
        assert printed.returncode == 0, printed.stderr
        config = directory / "kubeconfig"
        config.write_text(printed.stdout)
        return config

    def stop(self):
        self.process.terminate()
        # A server that runs pods stops them first (up to 10 s each, in parallel).
        self.process.wait(timeout=30)


def seeded_data_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    """A data dir holding the fixture key, so the server skips key generation."""
    data_dir = tmp_path / "data"
    key_dir = data_dir / "keys" / "eksworkshop-eksctl"
    key_dir.mkdir(parents=True)
    shutil.copy(FIXTURE_KEY, key_dir / "0001.pem")
    return data_dir


@pytest.fixture
def server(tmp_path):
    running = Server(seeded_data_dir(tmp_path))
    yield running
    running.stop()
