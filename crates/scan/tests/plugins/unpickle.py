import pickle as p
from marshal import loads as l


def restore(blob, code):
    state = p.loads(blob)
    fn = l(code)
    return state, fn
