#!/bin/sh
# SPDX-License-Identifier: MIT
# `make fuzz ARGS=...`: every libFuzzer target of tests/fuzz, one at a time,
# from its seed corpus (tests/fuzz/corpus/<name>, read only) and a working
# corpus kept between runs (build/tests/fuzz/corpus-work/<name>), with the
# libFuzzer options in ARGS (default -runs=100000; e.g. -runs=10000000 or
# -max_total_time=600).  Prints executions, execs/s and time per target and
# exits non-zero if any target found a crash (its input is kept as
# build/tests/fuzz/crash-<name>-*).  FUZZ_TARGETS="ghcb lapic" picks some.
# Usage: run-all.sh BUILD_DIR [LIBFUZZER_ARG...]
set -u
build=$1
shift
[ $# -gt 0 ] || set -- -runs=100000
src=$(cd "$(dirname "$0")" && pwd)
out=$build/tests/fuzz
targets=${FUZZ_TARGETS:-$(ls "$src"/corpus)}
failed=0
printf '%-8s %12s %10s %8s  %s\n' target executions execs/s seconds result
for t in $targets; do
	bin=$out/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "run-all.sh: $bin is missing (clang with libFuzzer: scripts/deps.sh)" >&2
		exit 1
	fi
	work=$out/corpus-work/$t
	mkdir -p "$work"
	log=$out/fuzz_$t.log
	start=$(date +%s)
	nice -n 19 "$bin" -print_final_stats=1 -timeout=10 -artifact_prefix="$out/crash-$t-" \
		"$@" "$work" "$src/corpus/$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ $rc -eq 0 ]; then
		result=ok
	else
		result="FAILED (rc $rc, $log)"
		failed=1
	fi
	printf '%-8s %12s %10s %8s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "$secs" "$result"
done
exit $failed
