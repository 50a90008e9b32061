#!/usr/bin/env bash
# Start-up of `jailwright run -- /bin/true` (full default sandbox, profile `plugin`) against
# bubblewrap running /bin/true with jailwright's own compiled `plugin` filter, measured together
# by hyperfine (10 rounds, the order reversed every other round); then the peak memory of each
# launcher.
#
# Usage (from anywhere): bench/startup.sh [RUNS]        default 300 runs per command (a multiple of 10)
# JAILWRIGHT=/path/to/jailwright measures that binary instead of the release build
# (tools/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

runs=${1:-300}
bench_init
jw_dyn=$(jailwright_dynamic_bin)

# The filter `jailwright run` installs is compiled for the sandbox target: no capabilities,
# plain OCI semantics, kernel 6.12 (Target::sandbox). bwrap gets the same program without the
# ERRNO -> USER_NOTIF rewrite, which needs jailwright's supervisor.
"$jw" compile plugin --caps-base none --runtime oci --kernel 6.12 --format raw -o "$work/plugin.bpf"
filter=$work/plugin.bpf

jw_cmd="$jw run -- /bin/true"
jw_dyn_cmd="$jw_dyn run -- /bin/true"
# bwrap's plain sandbox: every namespace, the system directories, /proc, /dev, /tmp.
bwrap_plain="bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind /etc /etc --proc /proc --dev /dev --tmpfs /tmp --seccomp 9 /bin/true 9<$filter"
# The same, plus what bwrap can do of jailwright's other layers: nobody, a new session, no
# capabilities, jailwright's hostname, /sbin, a read-only root (no Landlock or rlimits).
bwrap_matched="bwrap --unshare-all --die-with-parent --new-session --uid 65534 --gid 65534 --hostname jailwright --cap-drop ALL --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind /etc /etc --proc /proc --dev /dev --tmpfs /tmp --remount-ro / --seccomp 9 /bin/true 9<$filter"

# Reference, not a sandbox: the same namespaces (user, mount, pid, net, ipc, uts) and a fork,
# with no filesystem, identity, Landlock or seccomp work: what the kernel alone costs.
floor="unshare --user --map-root-user --mount --pid --net --ipc --uts --fork /bin/true"

# bwrap reads the filter from a descriptor, so every command runs as `sh -c 'exec CMD'`
# (hyperfine -N: no shell start-up correction to estimate): each row includes the same dash
# start-up, and the first row is that start-up alone.
in_sh() { printf "sh -c 'exec %s'" "$1"; }

echo "machine: $(machine); $("$jw" --version); $(bwrap --version); $(hyperfine --version)"
wait_for_quiet 0.6
echo "load before: $(load_now)"
hyperfine_rounds 10 $((runs / 10)) "$work/startup" \
    "$(in_sh /bin/true)" "$(in_sh "$jw_cmd")" "$(in_sh "$jw_dyn_cmd")" "$(in_sh "$bwrap_plain")" \
    "$(in_sh "$bwrap_matched")" "$(in_sh "$floor")"
echo "load after: $(load_now)"
echo
hyperfine_table "$work/startup" \
    '`/bin/true` alone (the `sh -c exec` every row pays)' \
    '`jailwright run -- /bin/true` (release build, static-pie)' \
    '`jailwright run -- /bin/true` (`cargo build --release`, dynamically linked)' \
    'bwrap --unshare-all (plain), jailwright'"'"'s filter' \
    'bwrap with the layers it has of jailwright'"'"'s, jailwright'"'"'s filter' \
    'reference: `unshare` into the same namespaces + fork, nothing else'

# Peak memory: GNU time's maximum resident set size of the launcher's process tree (the
# largest process, which is the launcher itself), median of 30 runs each.
peak() {
    local i
    for i in $(seq 30); do
        /usr/bin/time -f '%M' -o "$work/rss" "$@" 9<"$filter"
        cat "$work/rss"
    done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo
echo "| launcher | peak RSS (KiB, median of 30) |"
echo "|---|---:|"
echo "| jailwright run -- /bin/true | $(peak "$jw" run -- /bin/true) |"
# shellcheck disable=SC2086
echo "| bwrap --unshare-all (plain) | $(peak ${bwrap_plain% 9<*}) |"
# shellcheck disable=SC2086
echo "| bwrap (matched layers) | $(peak ${bwrap_matched% 9<*}) |"
