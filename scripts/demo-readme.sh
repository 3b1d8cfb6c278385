#!/bin/sh
# make demo-readme: puts the summary the last `make demo` printed (OUT_DIR/summary.md: the
# machine, the resolved deadline, the runs table and the verdict) into README.md, between
# the lines `<!-- demo summary: begin -->` and `<!-- demo summary: end -->`. Run it on an
# idle machine: the numbers are that machine's timings.
# Usage: scripts/demo-readme.sh [OUT_DIR] [README]
set -eu
OUT=${1:-out/demo}
README=${2:-README.md}
[ -s "$OUT/summary.md" ] || { echo "demo-readme: $OUT/summary.md: missing; run make demo first" >&2; exit 2; }
n=$(grep -c '^<!-- demo summary: \(begin\|end\) -->$' "$README" || true)
[ "$n" = 2 ] || { echo "demo-readme: $README: needs one begin and one end line of the demo summary block" >&2; exit 2; }
tmp=$(mktemp "$README.XXXXXX")
trap 'rm -f "$tmp"' EXIT INT TERM
awk -v summary="$OUT/summary.md" '
/^<!-- demo summary: begin -->$/ {
	print
	while ((getline line < summary) > 0) print line
	skip = 1
	next
}
/^<!-- demo summary: end -->$/ { skip = 0 }
!skip { print }' "$README" > "$tmp"
mv "$tmp" "$README"
trap - EXIT INT TERM
echo "demo-readme: $README: the demo summary block now holds $OUT/summary.md"
