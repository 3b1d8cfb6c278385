#!/bin/sh
# make valgrind: the Criterion suite under valgrind's memcheck, with every process it starts
# (Criterion runs each test in a child; tests run the adascale binaries through sh). One log
# per process goes to BUILD/valgrind/PID.log; the run fails when the suite fails or any log
# has an error (definite and indirect leaks count as errors). Not for speed: the sanitizer
# build (make asan-test) is the quick check; see docs/hardening.md.
#   sh scripts/valgrind.sh BUILD [criterion options...]
#   VALGRIND_FILTER='store/*' picks the tests (Criterion's --filter pattern).
set -eu
build=$1
shift
logs=${VALGRIND_LOGS:-$build/valgrind}
rm -rf "$logs"
mkdir -p "$logs"
if [ -n "${VALGRIND_FILTER:-}" ]; then
	set -- --filter "$VALGRIND_FILTER" "$@"
fi

# Programs that are not ours and start none of ours are run natively (valgrind follows only
# the exec chain it is in, so sh and the scripts that start adascale must stay traced).
skip='*/gnuplot,*/sqlite3,*/diff,*/cmp,*/cat,*/grep,*/sed,*/awk,*/mawk,*/sort,*/head,*/tail'
skip="$skip,*/wc,*/tr,*/cut,*/date,*/mktemp,*/rm,*/mv,*/cp,*/mkdir,*/ls,*/sha256sum,*/od"
skip="$skip,*/dirname,*/basename,*/sleep,*/touch,*/chmod,*/printf,*/test,*/expr"
# The C compiler (tests build plugins with it) is not ours, and gcc's cc1 trips memcheck.
skip="$skip,*/cc,*/gcc,*/gcc-[0-9]*,*/x86_64-linux-gnu-gcc*,*/clang*"

start=$(date +%s)
rc=0
ADASCALE_BUILD=$build valgrind --tool=memcheck --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--error-exitcode=1 --trace-children=yes --trace-children-skip="$skip" \
	--suppressions=tests/valgrind.supp --num-callers=30 --log-file="$logs/%p.log" \
	"$build/tests" "$@" || rc=$?

# A test process that ends after reporting its result has its exit status ignored by
# Criterion, so the logs, not the exit status, say whether memcheck found something. A
# process killed on purpose (a timeout, SIGKILL tests) has no summary: its log counts when it
# holds an error report.
kinds='Invalid (read|write|free)|uninitialised|Conditional jump|Mismatched free|overlap|Syscall param'
bad=""
for f in "$logs"/*.log; do
	if grep -q 'ERROR SUMMARY: [1-9]' "$f" ||
		{ ! grep -q 'ERROR SUMMARY' "$f" && grep -Eq "$kinds" "$f"; }; then
		bad="$bad $f"
	fi
done
n=$(ls "$logs" | wc -l)
for f in $bad; do
	echo "valgrind: $f:" >&2
	sed -n '/^==[0-9]*== [A-Z].*[a-z]/,$p' "$f" | grep -v '^==[0-9]*== *$' | head -60 >&2
done
echo "valgrind: $n processes, $(echo $bad | wc -w) with errors, $(($(date +%s) - start)) s," \
	"suite exit status $rc (logs in $logs)"
[ -z "$bad" ] && [ "$rc" -eq 0 ]
