#!/usr/bin/env python3
"""Generates jailwright's syscall tables from a Linux source tree, then audits them.

    tools/gen-syscall-tables.py LINUX_DIR [--version vX.Y] [--check] [--no-audit] [--out DIR]

For every ABI jailwright compiles filters for, the kernel keeps one table file
(`*.tbl`: number, ABI, name, entry points) and its build picks the rows of some ABIs
for that target's `unistd.h`. This script applies the same selection, adds the offset the
kernel adds (x32's `__X32_SYSCALL_BIT`, MIPS's 4000/5000/6000) and writes one data file
per table into crates/profile/src/tables/generated/ (`<abi>.rows`: `#` lines saying where it
came from, then one `name number` row a line), which the profile crate includes as text: a
string costs the binary no relocation per row at start-up, as an array of pairs would.

The selection mirrors the kernel's build:
- x86: arch/x86/entry/syscalls/Makefile (`--abis common,64`, `common,x32`, `i386`);
- arm: arch/arm/tools/Makefile (`--abis common,eabi`);
- arm64, riscv, loongarch: scripts/syscall.tbl and scripts/Makefile.asm-headers
  (`syscall_abis_64 := common,64`), with each arch's arch/*/kernel/Makefile.syscalls
  additions and table override (arm64's `syscalltbl`) read from the tree;
- s390: arch/s390/kernel/syscalls/Makefile (`common,64`; the 31-bit compat table
  `common,32` while the kernel still had it);
- powerpc: arch/powerpc/kernel/syscalls/Makefile (`common,nospu,64` and `common,nospu,32`);
- mips: arch/mips/kernel/syscalls/Makefile (`n32`, `n64`, `o32`, offsets 6000/5000/4000).

Every row of a selected ABI is kept, including reserved slots without an entry point
(`afs_syscall`, `tuxcall`): a profile may name them, and seccomp sees the number.

The inputs of the committed tables are pinned in tools/syscall-tables/linux-vX.Y/ (the kernel's
files, unchanged, at their paths in the tree); the profile crate's tests run this script on
them and require its output to be byte-identical to the committed tables.

--check compares the committed files with what the tree gives and fails on drift. --out DIR
writes (or checks) DIR instead of the profile crate's tables. Unless
--no-audit is given, the script then runs the audit that resolves every name against
libseccomp (`cargo test -p jailwright-bpf --test names`).
"""

import argparse
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "crates", "profile", "src", "tables", "generated")

GENERIC = "scripts/syscall.tbl"

# (output module, table file, ABIs, offset, description); for the arches on the generic
# table, the arch's directory name instead of ABIs: the table and ABIs come from its
# Makefile.syscalls (see generic_table).
TABLES = [
    ("x86_64", "arch/x86/entry/syscalls/syscall_64.tbl", ["common", "64"], 0, "x86_64"),
    ("x32", "arch/x86/entry/syscalls/syscall_64.tbl", ["common", "x32"], 0x4000_0000,
     "x32 (numbers carry __X32_SYSCALL_BIT)"),
    ("x86", "arch/x86/entry/syscalls/syscall_32.tbl", ["i386"], 0, "i386"),
    ("arm", "arch/arm/tools/syscall.tbl", ["common", "eabi"], 0, "32-bit ARM EABI"),
    ("aarch64", GENERIC, "arm64", 0, "arm64"),
    ("riscv64", GENERIC, "riscv", 0, "64-bit RISC-V"),
    ("loongarch64", GENERIC, "loongarch", 0, "64-bit LoongArch"),
    ("s390x", "arch/s390/kernel/syscalls/syscall.tbl", ["common", "64"], 0, "s390x"),
    ("s390", "arch/s390/kernel/syscalls/syscall.tbl", ["common", "32"], 0,
     "31-bit s390 (compat)"),
    ("ppc64", "arch/powerpc/kernel/syscalls/syscall.tbl", ["common", "nospu", "64"], 0,
     "64-bit POWER (both endians)"),
    ("ppc", "arch/powerpc/kernel/syscalls/syscall.tbl", ["common", "nospu", "32"], 0,
     "32-bit POWER"),
    ("mips_o32", "arch/mips/kernel/syscalls/syscall_o32.tbl", ["o32"], 4000,
     "MIPS o32 (numbers from 4000)"),
    ("mips_n64", "arch/mips/kernel/syscalls/syscall_n64.tbl", ["n64"], 5000,
     "MIPS n64 (numbers from 5000)"),
    ("mips_n32", "arch/mips/kernel/syscalls/syscall_n32.tbl", ["n32"], 6000,
     "MIPS n32 (numbers from 6000)"),
]


class GenError(Exception):
    pass


def read(tree, rel):
    path = os.path.join(tree, rel)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise GenError(f"{path}: {e.strerror}; is {tree} a Linux source tree?") from e


def generic_table(tree, arch):
    """The table file and ABIs of a 64-bit arch on the generic table: `common,64` plus what
    arch/ARCH/kernel/Makefile.syscalls adds to syscall_abis_64, and the table it names
    (`syscalltbl`, with `%` for the word size) instead of scripts/syscall.tbl."""
    abis, table = ["common", "64"], GENERIC
    text = read(tree, f"arch/{arch}/kernel/Makefile.syscalls")
    for line in text.splitlines():
        m = re.match(r"\s*syscall_abis_64\s*\+=\s*(.*)$", line)
        if m:
            abis += m.group(1).split()
        m = re.match(r"\s*syscalltbl\s*:?=\s*(\S+)\s*$", line)
        if m:
            table = m.group(1).replace("%", "64")
    return table, abis


def rows(tree, rel, abis, offset):
    """(name, number) of the rows of `abis`, in file order; fails on a malformed row or a
    name or number that two selected rows share."""
    out, names, numbers = [], {}, {}
    for lineno, line in enumerate(read(tree, rel).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 3 or not fields[0].isdigit():
            raise GenError(f"{rel}:{lineno}: expected `NUMBER ABI NAME [ENTRY...]`")
        nr, abi, name = int(fields[0]), fields[1], fields[2]
        if abi not in abis:
            continue
        nr += offset
        if name in names:
            raise GenError(f"{rel}:{lineno}: `{name}` again (line {names[name]})")
        if nr in numbers:
            raise GenError(f"{rel}:{lineno}: number {nr} again (line {numbers[nr]})")
        names[name], numbers[nr] = lineno, lineno
        out.append((name, nr))
    if not out:
        raise GenError(f"{rel}: no rows for ABIs {','.join(abis)}")
    return out


def render(module, rel, abis, offset, desc, version, entries):
    head = [
        f"# {desc} syscall numbers, as seccomp sees them.",
        f"# Generated by tools/gen-syscall-tables.py from Linux {version} {rel},",
        f"# rows of ABI {', '.join(abis)}"
        + (f", plus {offset:#x}" if offset else "")
        + "; do not edit by hand.",
    ]
    body = [f"{name} {nr}" for name, nr in entries]
    return "\n".join(head + body + [""])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("linux", help="a Linux source tree (only its syscall tables are read)")
    ap.add_argument("--version", help="the tree's version for the headers, e.g. v6.18 "
                    "(default: from its Makefile)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed tables instead of writing them")
    ap.add_argument("--no-audit", action="store_true", help="skip the libseccomp audit")
    ap.add_argument("--out", default=OUT, help="where the tables go (default: %(default)s)")
    a = ap.parse_args()
    try:
        version = a.version or makefile_version(a.linux)
        files = {}
        for module, rel, abis, offset, desc in TABLES:
            if isinstance(abis, str):
                rel, abis = generic_table(a.linux, abis)
            entries = rows(a.linux, rel, abis, offset)
            files[f"{module}.rows"] = render(module, rel, abis, offset, desc, version, entries)
    except GenError as e:
        print(f"gen-syscall-tables: error: {e}", file=sys.stderr)
        return 2
    drift = []
    for name, text in files.items():
        path = os.path.join(a.out, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old == text:
            continue
        drift.append(name)
        if not a.check:
            os.makedirs(a.out, exist_ok=True)
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
    if a.check and drift:
        print(f"gen-syscall-tables: drift in {', '.join(drift)}", file=sys.stderr)
        return 1
    print(f"{len(files)} tables from Linux {version}: "
          + (f"{len(drift)} changed ({', '.join(drift)})" if drift else "unchanged"))
    if a.no_audit:
        return 0
    return subprocess.call(["cargo", "test", "-q", "-p", "jailwright-bpf", "--test", "names"],
                           cwd=REPO)


def makefile_version(tree):
    text = read(tree, "Makefile")
    v = dict(re.findall(r"^(VERSION|PATCHLEVEL) = (\d+)", text, re.M))
    if "VERSION" not in v or "PATCHLEVEL" not in v:
        raise GenError(f"{tree}/Makefile: no VERSION/PATCHLEVEL; pass --version")
    return f"v{v['VERSION']}.{v['PATCHLEVEL']}"


if __name__ == "__main__":
    sys.exit(main())
