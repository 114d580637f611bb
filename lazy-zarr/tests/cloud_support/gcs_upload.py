"""Uploads files to a bucket of a Google Cloud Storage emulator (fake-gcs-server)
through the JSON API's media upload, for the cloud tests: the standard
library only, no Google client.

Usage: python gcs_upload.py ENDPOINT BUCKET DIR ENDING PREFIX

Every file under DIR (recursively) whose name ends with ENDING ("" for all)
goes to PREFIX/<its path under DIR>.
"""
import os
import sys
import urllib.parse
import urllib.request

endpoint, bucket, top, ending, prefix = sys.argv[1:6]
for root, _, names in os.walk(top):
    for name in sorted(names):
        if not name.endswith(ending):
            continue
        path = os.path.join(root, name)
        key = prefix + "/" + os.path.relpath(path, top).replace(os.sep, "/")
        query = urllib.parse.urlencode({"uploadType": "media", "name": key})
        with open(path, "rb") as f:
            request = urllib.request.Request(
                f"{endpoint}/upload/storage/v1/b/{bucket}/o?{query}",
                data=f.read(),
                method="POST",
                headers={"Content-Type": "application/octet-stream"},
            )
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
