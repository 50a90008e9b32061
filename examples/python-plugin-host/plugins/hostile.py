"""A plugin that tries to get out: it phones home, makes raw syscalls through ctypes, tampers
with its input, and finally fork-bombs."""

import ctypes
import os
import socket
import sys

src = sys.argv[1]


def attempt(what, fn):
    try:
        result = fn()
        print(f"{what}: {result}", flush=True)
    except OSError as e:
        print(f"{what}: {e.strerror or e}", flush=True)


# 1. The network (192.0.2.1 is TEST-NET-1, a documentation address).
attempt("connect", lambda: socket.create_connection(("192.0.2.1", 443), timeout=2))

# 2. Raw syscalls through libc: trace, mount, a new user namespace.
libc = ctypes.CDLL(None, use_errno=True)
for name, call in [
    ("ptrace(PTRACE_TRACEME)", lambda: libc.ptrace(0, 0, 0, 0)),
    ("mount(tmpfs on /mnt)", lambda: libc.mount(b"none", b"/mnt", b"tmpfs", 0, None)),
    ("unshare(CLONE_NEWUSER)", lambda: libc.unshare(0x10000000)),
]:
    rc = call()
    print(f"{name}: {rc} ({os.strerror(ctypes.get_errno()) if rc else 'ok'})", flush=True)

# 3. Its input is read-only.
attempt("overwrite the input", lambda: open(src, "w").write("gone"))

# 4. A fork bomb: every process forks forever.
print("fork bomb", flush=True)
while True:
    try:
        os.fork()
    except OSError:
        pass
