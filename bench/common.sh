# Shared helpers of the benchmark scripts (sourced, not run).

# The binary to measure: $JAILWRIGHT if set, else the release build (static-pie, built if
# needed by tools/build-release.sh).
jailwright_bin() {
    if [ -n "${JAILWRIGHT:-}" ]; then
        printf '%s\n' "$JAILWRIGHT"
        return
    fi
    tools/build-release.sh -q
}

# Sets $jw (the binary to measure) and $work (a scratch directory removed when the script
# exits), as every benchmark script starts.
bench_init() {
    jw=$(jailwright_bin)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
}

# The plain `cargo build --release` binary (dynamically linked), for comparison.
jailwright_dynamic_bin() {
    cargo build --release -q -p jailwright </dev/null >&2
    printf '%s\n' "$PWD/target/release/jailwright"
}

# Waits (up to about five minutes) until the 1-minute load average is below $1 (default
# 0.6): timings taken while other work runs on the machine are not comparable.
wait_for_quiet() {
    local limit=${1:-0.6} i load
    for i in $(seq 60); do
        load=$(cut -d' ' -f1 /proc/loadavg)
        if awk -v l="$load" -v m="$limit" 'BEGIN { exit !(l < m) }'; then
            return 0
        fi
        sleep 5
    done
    echo "warning: the load average is still $load (limit $limit); numbers may be noisy" >&2
}

load_now() { cut -d' ' -f1-3 /proc/loadavg; }

# One line describing the machine.
machine() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    printf '%s, %s CPUs (%s), %s GiB RAM, Linux %s\n' \
        "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(nproc)" "${cpu:-unknown CPU}" \
        "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$(uname -r)"
}

# Markdown table (median, mean, p90, min, max in ms) from hyperfine --export-json files: $1 is
# a file listing the JSON files (one a line), $2.. the row labels in the command order of the
# first file. Times of the same command in several files are pooled.
hyperfine_table() {
    local list=$1
    shift
    python3 - "$list" "$@" <<'PY'
import json, sys
files = open(sys.argv[1]).read().split()
labels = sys.argv[2:]
order, times = [], {}
for f in files:
    for r in json.load(open(f))["results"]:
        if r["command"] not in times:
            order.append(r["command"])
            times[r["command"]] = []
        times[r["command"]].extend(r["times"])
print("| command | median ms | mean ms | p90 ms | min ms | max ms | runs |")
print("|---|---:|---:|---:|---:|---:|---:|")
for i, c in enumerate(order):
    t = sorted(times[c])
    n = len(t)
    median = (t[(n - 1) // 2] + t[n // 2]) / 2
    p90 = t[min(n - 1, int(round(0.9 * (n - 1))))]
    label = labels[i] if i < len(labels) else c
    print(f"| {label} | {median * 1e3:.2f} | {sum(t) / n * 1e3:.2f} | {p90 * 1e3:.2f} "
          f"| {t[0] * 1e3:.2f} | {t[-1] * 1e3:.2f} | {n} |")
PY
}

# Runs hyperfine $1 rounds of $2 runs per command over the commands $4.., the order reversed
# every other round so that a change of machine load during the run does not favour one
# command; the JSON files are listed in $3.
hyperfine_rounds() {
    local rounds=$1 per=$2 list=$3 r
    shift 3
    : >"$list"
    for r in $(seq "$rounds"); do
        local cmds=("$@")
        if [ $((r % 2)) = 0 ]; then
            local rev=() i
            for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do rev+=("${cmds[i]}"); done
            cmds=("${rev[@]}")
        fi
        hyperfine -N --warmup 5 --runs "$per" --export-json "$list.$r.json" "${cmds[@]}" >/dev/null
        echo "$list.$r.json" >>"$list"
    done
}
