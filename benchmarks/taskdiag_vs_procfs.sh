#!/bin/sh
# Benchmark: one task_diag netlink dump vs a C loop over /proc/PID/stat.
#
#   benchmarks/taskdiag_vs_procfs.sh [NPROC [RUNS [LOOPS]]]
#
# On the host it builds kernel/tools and re-runs itself inside the test VM
# (tests/vm/run, Debian's kernel with the freshly built module loaded).  In the
# VM it starts `fork NPROC 1` (default 2000 sleeping processes, so >= 2,000
# tasks), then RUNS times (default 7) times LOOPS back-to-back scans (default
# 20) of each method, and prints per-scan medians and the ratio procfs/netlink:
#   - netlink ALL dump with BASE|STAT        vs  /proc/PID/stat for every process
#   - netlink ALL_THREAD dump with BASE|STAT vs  /proc/PID/task/TID/stat for every thread
# (after `fork NPROC/4 4` for the thread case).  A benchmark, not a test: it
# prints figures and asserts nothing.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
tools=${PSTD_TOOLS_DIR:-$HOME/.cache/pstd/build/tools}

if [ -z "${PSTD_IN_VM:-}" ]; then
    make -s -C "$here/kernel/tools" O="$tools"
    exec "$here/tests/vm/run" sh "$here/benchmarks/taskdiag_vs_procfs.sh" "$@"
fi

nproc=${1:-2000}
runs=${2:-7}
loops=${3:-20}

now_ns() { date +%s%N; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# time_per_scan CMD...: microseconds per scan of one run of CMD (which does $loops scans)
time_per_scan() {
    t0=$(now_ns)
    "$@" >/dev/null
    t1=$(now_ns)
    echo $(( (t1 - t0) / 1000 / loops ))
}

start_fixture() {
    out=$(mktemp)
    "$tools/fork" "$@" >"$out" &
    fixture=$!
    while [ ! -s "$out" ]; do sleep 0.1; done
    rm -f "$out"
}

compare() { # label netlink-args... -- procfs-args...
    label=$1; shift
    nl_args=""
    while [ "$1" != "--" ]; do nl_args="$nl_args $1"; shift; done
    shift
    ntasks=$("$tools/task_diag_dump" $nl_args -q)
    nprocfs=$("$tools/proc_stat_loop" "$@")
    nl_file=$(mktemp); pf_file=$(mktemp)
    i=0
    while [ $i -lt "$runs" ]; do
        # shellcheck disable=SC2086
        time_per_scan "$tools/task_diag_dump" $nl_args -q --loop "$loops" >>"$nl_file"
        time_per_scan "$tools/proc_stat_loop" "$@" -n "$loops" >>"$pf_file"
        i=$((i + 1))
    done
    nl=$(median <"$nl_file"); pf=$(median <"$pf_file")
    rm -f "$nl_file" "$pf_file"
    awk -v l="$label" -v n="$ntasks" -v m="$nprocfs" -v a="$nl" -v b="$pf" 'BEGIN {
        printf "%-12s tasks: netlink %d, procfs %d | per scan: netlink %.2f ms, procfs %.2f ms | procfs/netlink = %.1fx\n",
               l, n, m, a / 1000, b / 1000, b / a }'
}

echo "kernel $(uname -r), $runs runs x $loops scans each, medians"
start_fixture "$nproc" 1
compare processes -s all -f base,stat -- 
kill "$fixture"; wait "$fixture" 2>/dev/null || true

start_fixture $((nproc / 4)) 4
compare threads -s all_thread -f base,stat -- -t
kill "$fixture"; wait "$fixture" 2>/dev/null || true
