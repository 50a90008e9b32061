"""A small untrusted-plugin stand-in: counts words in its input and prints the top five as JSON.

Run it in the sandbox:
    jailwright run --ro-bind examples/wordfreq:/plugin -- python3 /plugin/plugin.py /plugin/input.txt
"""
import collections
import json
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
words = re.findall(r"[a-z']+", text.lower())
top = collections.Counter(words).most_common(5)
print(json.dumps({"words": len(words), "top": top}))
