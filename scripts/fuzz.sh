#!/bin/sh
# Builds adascale's libFuzzer targets (tests/fuzz/fuzz_*.c, one per parser) with clang,
# ASan and UBSan into build-fuzzer/, runs each for SECONDS on a copy of its seed corpus
# (tests/fuzz/corpus/TARGET/ copied to out/fuzz/corpus/TARGET/, so the repository's corpus
# changes only with FUZZ_MERGE=1) and prints one line per target: executions, executions per
# second, libFuzzer's coverage (cov: edges, ft: features) and whether it crashed. A crash,
# hang, leak or sanitizer report makes the exit status 1 and names the input that caused it
# (under out/fuzz/artifacts/TARGET/). docs/hardening.md ("Fuzzing") says more.
#
#   sh scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. sh scripts/fuzz.sh 300 trace device
#
# Environment: FUZZ_BUILD (build-fuzzer), FUZZ_OUT (out/fuzz), FUZZ_CC (clang), FUZZ_MERGE=1
# (merge the new interesting inputs back into tests/fuzz/corpus/), FUZZ_ARGS (more libFuzzer
# flags). Not for the regression tests of what was found: those run in `make test`
# (tests/test_fuzz_regress.c).
set -eu

SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=${*:-"trace device model kernels timings calib switchcost sweep policy idx"}
B=${FUZZ_BUILD:-build-fuzzer}
OUT=${FUZZ_OUT:-out/fuzz}
CC_FUZZ=${FUZZ_CC:-clang}
case $SECONDS_EACH in ''|*[!0-9]*) echo "fuzz: SECONDS must be a whole number" >&2; exit 2;; esac

# clang, its libFuzzer and sanitizer runtimes, and the project's own libraries
sh scripts/install-deps.sh fuzz

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
bins=""
for t in $TARGETS; do
	[ -f "tests/fuzz/fuzz_$t.c" ] || { echo "fuzz: no target tests/fuzz/fuzz_$t.c" >&2; exit 2; }
	bins="$bins $B/fuzz/fuzz_$t"
done
echo "fuzz: building$(echo "$bins" | sed "s| $B/fuzz/fuzz_| |g") with $CC_FUZZ into $B/"
# shellcheck disable=SC2086
make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" BUILD="$B" CC="$CC_FUZZ" \
	OPT="-O1 -g -fsanitize=fuzzer-no-link $SAN" LDFLAGS="$SAN" $bins

mkdir -p "$OUT"
failed=0
for t in $TARGETS; do
	name=fuzz_$t
	corpus=$OUT/corpus/$name
	art=$OUT/artifacts/$name
	log=$OUT/$name.log
	rm -rf "$corpus" "$art"
	mkdir -p "$corpus" "$art" "$OUT/tmp"
	cp tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	rc=0
	# shellcheck disable=SC2086
	FUZZ_TMPDIR=$OUT/tmp "$B/fuzz/$name" -max_total_time="$SECONDS_EACH" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$art/" $dict ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	crash=$(find "$art" -type f | head -n 1)
	if [ "$rc" -ne 0 ] || [ -n "$crash" ]; then
		failed=1
		why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz[_:]' "$log" || echo "exit $rc")
		printf '%-13s execs %-9s exec/s %-6s cov %-5s ft %-6s CRASH %s: %s (log %s)\n' \
			"$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${crash:-?}" "$why" "$log"
	else
		printf '%-13s execs %-9s exec/s %-6s cov %-5s ft %-6s ok, corpus %s inputs\n' \
			"$name" "$execs" "$rate" "$cov" "$ft" "$(ls "$corpus" | wc -l)"
		if [ "${FUZZ_MERGE:-0}" = 1 ]; then
			"$B/fuzz/$name" -merge=1 "tests/fuzz/corpus/$name" "$corpus" >>"$log" 2>&1
		fi
	fi
done
rm -rf "$OUT/tmp"   # a crashed target leaves its temporary folder
exit $failed
