"""Counts words in the input and writes the ten most common to the output directory."""

import collections
import json
import pathlib
import sys

src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
words = src.read_text(encoding="utf-8").lower().split()
top = collections.Counter(w.strip(".,;:!?\"'()") for w in words).most_common(10)
(out / "top_words.json").write_text(json.dumps(dict(top), indent=2))
print(f"{len(words)} words, {len(set(words))} distinct")
