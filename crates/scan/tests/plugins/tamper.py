import builtins
import sys

fake = type(sys)("os")
sys.modules['os'] = fake
del sys.modules["subprocess"]
sys.modules.__setitem__("json", fake)
builtins.open = lambda *a, **k: None
__builtins__["print"] = None
opener = getattr(__builtins__, "op" + "en")
sys.meta_path.insert(0, object())
