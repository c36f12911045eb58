#!/bin/sh
# SPDX-License-Identifier: MIT
# A libFuzzer target's smoke run: SECONDS of fuzzing with a fixed seed from
# its seed corpus (read only: new inputs go to a scratch directory), crash
# inputs into ARTIFACT_DIR.  Fails on a crash, a leak, a timeout, or a
# missing corpus.
# Usage: smoke.sh FUZZER CORPUS_DIR SECONDS ARTIFACT_DIR
set -eu
fuzzer=$1 corpus=$2 seconds=$3 artifacts=$4
if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
	echo "smoke.sh: no seed corpus at $corpus" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fuzzer" -max_total_time="$seconds" -seed=1 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$work" "$corpus"
