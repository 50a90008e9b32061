import base64

PAYLOAD = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="


def load():
    exec(base64.b64decode(PAYLOAD))
    m = __import__("o" + "s")
    return m


def literal():
    exec("import ctypes")
    eval("1 + 1")
