import subprocess as sp
from os import system
from ctypes import CDLL as L
import posix

run = sp.run


def go():
    sp.run(["id"])
    system("id")
    L(None)
    run("id")
    posix.system("id")
    getattr(__import__("os"), "popen")("id")
