"""S3 transfer benchmark: what streaming bodies buy, measured against the running server.

    bench/s3.sh [--size-mib N] [--peer moto]

1. One PutObject of an N MiB file (1 GiB by default), and the server's peak RSS (VmHWM)
   before and after: a body streamed to disk leaves memory flat.
2. Upload (boto3 upload_file: multipart in 8 MiB parts, 10 threads) and download
   (download_file) throughput in MB/s, for irsa-local and, with --peer moto, for moto's
   server on the same file.
3. Sixteen unsigned 60 MiB PUTs at once: each is refused (403) on its headers, before its
   body is read; RSS before and after.

Run by bench/s3.sh, which builds the release binary and a venv with boto3 and moto.
"""

import argparse
import concurrent.futures
import http.client
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config
from boto3.s3.transfer import TransferConfig

MIB = 1024 * 1024


def rss_kib(pid: int, field: str) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url_host: str, port: int):
    for _ in range(200):
        try:
            with socket.create_connection((url_host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {url_host}:{port}")


def client(port: int):
    return boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-west-2",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def transfer(port: int, source: pathlib.Path, target: pathlib.Path, bucket: str) -> tuple[float, float]:
    s3 = client(port)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    config = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=10)
    size_mb = source.stat().st_size / 1e6
    up = timed(lambda: s3.upload_file(str(source), bucket, "file.bin", Config=config))
    down = timed(lambda: s3.download_file(bucket, "file.bin", str(target), Config=config))
    if target.read_bytes() != source.read_bytes():
        raise RuntimeError("the downloaded file differs")
    return size_mb / up, size_mb / down


def unsigned_puts(port: int, count: int, size: int) -> list[int]:
    def one(index: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.putrequest("PUT", f"/eksworkshop-111122223333-us-west-2/unsigned-{index}")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        block = b"\0" * MIB
        sent = 0
        try:
            while sent < size:
                connection.send(block)
                sent += len(block)
        except OSError:
            pass  # the server answered and closed before the body was sent
        status = connection.getresponse().status
        connection.close()
        return status
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--transfer-mib", type=int, default=256)
    parser.add_argument("--moto-server", help="moto_server executable: measure it too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        port = free_port()
        server = subprocess.Popen(
            [args.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(scratch / "data"),
             "--container-runtime", "none"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
        try:
            wait_for("127.0.0.1", port)
            s3 = client(port)
            big = scratch / "big.bin"
            with big.open("wb") as out:
                for _ in range(args.size_mib):
                    out.write(os.urandom(MIB))
            s3.create_bucket(Bucket="bench", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
            before = rss_kib(server.pid, "VmHWM")
            with big.open("rb") as body:
                seconds = timed(lambda: s3.put_object(Bucket="bench", Key="big.bin", Body=body))
            after = rss_kib(server.pid, "VmHWM")
            print(f"PutObject of {args.size_mib} MiB: {seconds:.1f} s; server peak RSS "
                  f"{before / 1024:.1f} MB before, {after / 1024:.1f} MB after")
            big.unlink()

            source = scratch / "transfer.bin"
            with source.open("wb") as out:
                for _ in range(args.transfer_mib):
                    out.write(os.urandom(MIB))
            up, down = transfer(port, source, scratch / "back.bin", "transfers")
            print(f"irsa-local, {args.transfer_mib} MiB file: upload {up:.0f} MB/s, download {down:.0f} MB/s")

            rss_before = rss_kib(server.pid, "VmRSS")
            started = time.perf_counter()
            statuses = unsigned_puts(port, 16, 60 * MIB)
            seconds = time.perf_counter() - started
            rss_after = rss_kib(server.pid, "VmRSS")
            print(f"16 unsigned 60 MiB PUTs: statuses {sorted(set(statuses))} in {seconds:.2f} s; "
                  f"server RSS {rss_before / 1024:.1f} MB before, {rss_after / 1024:.1f} MB after "
                  f"(peak {rss_kib(server.pid, 'VmHWM') / 1024:.1f} MB)")
        finally:
            server.terminate()
            server.wait()

        if args.moto_server:
            peer_port = free_port()
            moto = subprocess.Popen([args.moto_server, "-H", "127.0.0.1", "-p", str(peer_port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for("127.0.0.1", peer_port)
                up, down = transfer(peer_port, source, scratch / "back-moto.bin", "transfers")
                print(f"moto, {args.transfer_mib} MiB file: upload {up:.0f} MB/s, download {down:.0f} MB/s")
            finally:
                moto.terminate()
                moto.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
