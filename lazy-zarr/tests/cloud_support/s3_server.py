"""An S3-compatible server on 127.0.0.1 for lazy-zarr's cloud tests: moto's.

Usage: python s3_server.py PORT [BUCKET...]   (PORT 0: any free port)

Authentication is on: the first requests (not counted afterwards) create an
IAM user with an access key allowed everything, and every later request must
be signed with that key. Prints one JSON line to stdout,
{"endpoint": ..., "key": ..., "secret": ..., "region": ...}, then serves until
stdin is closed (so the server ends with the test process that started it).
"""
import json
import os
import socket
import sys

# Requests before authentication starts: the three that make the key below.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "0" else free_port()
    # The buckets are made with the key, after authentication starts.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam.create_user(UserName="lazy")
    iam.put_user_policy(
        UserName="lazy",
        PolicyName="everything",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="lazy")["AccessKey"]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    for bucket in sys.argv[2:]:
        s3.create_bucket(Bucket=bucket)
    print(
        json.dumps(
            {
                "endpoint": endpoint,
                "key": key["AccessKeyId"],
                "secret": key["SecretAccessKey"],
                "region": "us-east-1",
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
