"""``Profile``: a seccomp profile as data, changed and converted by the bundled CLI (one
implementation of patch, merge, export, lint and diff: the CLI's)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from ._run import StrPath, _cli
from ._types import DiffResult, Finding

class Profile:
    """A seccomp profile (Docker/Podman/OCI JSON).

    >>> p = Profile.load("plugin").patch(deny=["ptrace"])
    >>> p.data["defaultAction"]
    'SCMP_ACT_ERRNO'

    Every method that changes the profile returns a new one; ``name`` says where it came from.
    """

    def __init__(self, data: Mapping[str, Any], name: str = "<profile>") -> None:
        self.data: Dict[str, Any] = dict(data)
        self.name = name

    def __repr__(self) -> str:
        return f"Profile({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and self.data == other.data

    @classmethod
    def load(cls, source: StrPath) -> "Profile":
        """A built-in profile (``"plugin"``, ``"docker-default@24.0.9"``) or a profile file.

        Raises :class:`ProfileError` (file, place, fix) when it cannot be read or is invalid.
        """
        text = _cli(["patch", "--", os.fspath(source)])
        return cls(json.loads(text), os.fspath(source))

    def to_json(self) -> str:
        """The profile as indented JSON."""
        return json.dumps(self.data, indent=2) + "\n"

    def save(self, path: StrPath) -> None:
        """Writes the profile to ``path`` whole or not at all (a temporary file, then a
        rename)."""
        path = os.fspath(path)
        fd, tmp = tempfile.mkstemp(prefix=".jailwright-", dir=os.path.dirname(os.path.abspath(path)))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.to_json())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _saved(self) -> Iterator[str]:
        """This profile saved in a temporary file, removed afterwards."""
        with tempfile.TemporaryDirectory(prefix="jailwright-") as d:
            f = os.path.join(d, "profile.json")
            self.save(f)
            yield f

    def _with_file(self, args: List[str]) -> bytes:
        """Runs the CLI with this profile as a file in place of ``{}``."""
        with self._saved() as f:
            return _cli([f if a == "{}" else a for a in args])

    def patch(
        self,
        *,
        allow: Sequence[str] = (),
        deny: Sequence[str] = (),
        errno: Optional[Mapping[str, str]] = None,
        add_arch: Sequence[str] = (),
        default_errno: Optional[str] = None,
    ) -> "Profile":
        """A copy with ``allow`` allowed unconditionally, ``deny`` left to the default action,
        ``errno`` (``{"clone3": "ENOSYS"}``) answering with an errno, ``add_arch`` added and the
        default errno set. Unknown names raise :class:`ProfileError`."""
        args = ["patch"]
        for n in allow:
            args += ["--allow", n]
        for n in deny:
            args += ["--deny", n]
        for n, e in (errno or {}).items():
            args += ["--errno", f"{n}={e}"]
        for a in add_arch:
            args += ["--add-arch", a]
        if default_errno is not None:
            args += ["--default-errno", default_errno]
        return Profile(json.loads(self._with_file(args + ["--", "{}"])), f"{self.name} (patched)")

    @staticmethod
    def merge(*profiles: Union["Profile", StrPath]) -> "Profile":
        """One profile that allows what any of ``profiles`` allows (at least two)."""
        if len(profiles) < 2:
            raise ValueError("merge needs at least two profiles")
        with tempfile.TemporaryDirectory(prefix="jailwright-") as d:
            paths = []
            for i, p in enumerate(profiles):
                if isinstance(p, Profile):
                    path = os.path.join(d, f"{i}.json")
                    p.save(path)
                    paths.append(path)
                else:
                    paths.append(os.fspath(p))
            text = _cli(["merge", "--", *paths])
        names = " + ".join(p.name if isinstance(p, Profile) else os.fspath(p) for p in profiles)
        return Profile(json.loads(text), names)

    def export(self, to: str, *, name: Optional[str] = None, arch: Optional[str] = None) -> str:
        """The profile for ``to``: ``docker``, ``podman``, ``oci``, ``kubernetes``, ``systemd``,
        ``colima`` or ``daemon-json`` (``name``: the Kubernetes object's name)."""
        args = ["export", "--to", to]
        if name is not None:
            args += ["--name", name]
        if arch is not None:
            args += ["--arch", arch]
        return self._with_file(args + ["--", "{}"]).decode("utf-8")

    def lint(self, runtime: Optional[str] = None, arch: Union[str, Sequence[str], None] = None) -> List[Finding]:
        """:func:`jailwright.lint` of this profile."""
        from ._profile import lint

        with self._saved() as f:
            return lint(f, runtime=runtime, arch=arch)

    def diff(self, other: Union["Profile", StrPath], *, arch: Optional[str] = None) -> DiffResult:
        """:func:`jailwright.diff` of this profile (``a``) and ``other`` (``b``)."""
        from ._profile import diff

        with self._saved() as a, contextlib.ExitStack() as stack:
            b = stack.enter_context(other._saved()) if isinstance(other, Profile) else other
            return diff(a, b, arch=arch)
