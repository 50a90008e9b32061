import json


def parse(line:
    return json.loads(line)
