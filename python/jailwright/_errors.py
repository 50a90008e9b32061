"""The exceptions: jailwright could not do what was asked (a plugin's own exit is a result)."""

from __future__ import annotations

from typing import Optional, Tuple


class Error(Exception):
    """Base of every jailwright error.

    ``returncode`` is the CLI's exit status (None when it did not run) and ``stderr`` what it
    said on standard error.
    """

    def __init__(self, message: str, *, returncode: Optional[int] = None, stderr: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.stderr = stderr


class BinaryNotFound(Error):
    """The bundled ``jailwright`` binary is missing (and ``JAILWRIGHT_BINARY`` names none)."""


class UsageError(Error):
    """An option was refused (CLI exit 2, the message names the option)."""


class ProfileError(Error):
    """The profile could not be loaded or is invalid (CLI exit 2).

    The message says which file, where in it and how to fix it.
    """


class SetupError(Error):
    """The sandbox could not be set up; the command never ran (CLI exit 125).

    ``stage`` is what was being set up (``bind source /data``, ``--require landlock``, ...);
    ``cause`` why, when it is known beyond the message; ``fix`` what to do.
    """

    def __init__(
        self,
        message: str,
        *,
        returncode: Optional[int] = None,
        stderr: str = "",
        stage: Optional[str] = None,
        cause: Optional[str] = None,
        fix: Optional[str] = None,
    ) -> None:
        super().__init__(message, returncode=returncode, stderr=stderr)
        self.stage = stage
        self.cause = cause
        self.fix = fix


class RuntimeRejected(Error):
    """A container runtime (runc, crun) refused to start the command under the profile
    (``backend="docker"`` or ``"podman"``; CLI exit 125).

    ``runtime_message`` is the runtime's own words; ``cause`` the diagnosis in one sentence;
    ``fix`` the exact fix; ``missing_syscalls`` the calls the runtime itself needs that the
    profile denies (``on_reject="compat"`` adds exactly those and retries).
    """

    def __init__(
        self,
        message: str,
        *,
        returncode: Optional[int] = None,
        stderr: str = "",
        runtime_message: str = "",
        cause: str = "",
        fix: str = "",
        missing_syscalls: Tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, returncode=returncode, stderr=stderr)
        self.runtime_message = runtime_message
        self.cause = cause
        self.fix = fix
        self.missing_syscalls = missing_syscalls
