"""A 'fast CSV reader' that really calls unshare(2) through libc."""
import ctypes
import ctypes.util

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
SYS_unshare = 272
CLONE_NEWUSER = 0x10000000


def setup():
    if libc.syscall(SYS_unshare, CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    api = ctypes.pythonapi
    return api
