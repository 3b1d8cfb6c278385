#!/bin/sh
# make browser-check: renders a report's index.html in headless Chromium at 1280x800 and
# checks what a reader sees first: the verdict (id "verdict") and the on-time accuracy
# column (the objective: every th[data-metric=ontime_top1], in each table) lie within the
# window's width without scrolling sideways (inside or outside a table's box), the
# page does not scroll sideways (scrollWidth <= 1280), and every <img> loaded (complete,
# naturalWidth > 0). The shipped report stays free of the check: a copy of index.html
# beside it (so its images resolve) gets a small script that measures and writes a JSON
# line into the page, and Chromium's --dump-dom gives the page back.
#
# Usage: scripts/browser-check.sh REPORT_DIR
#    or: scripts/browser-check.sh --demo BUILD_DIR OUT_DIR
# The second form first builds the demo's report from bundled data (no fresh profile): the
# six demo policies on traces/host_stress.csv and devices/xeon-kvm-2vcpu.ini with its
# measured timings, deadline auto:1.5, into OUT_DIR/report.
# Exit status: 0 when every check passes, 1 when one fails (each failure named), 2 for usage.
set -eu

if [ "${1:-}" = --demo ]; then
	[ $# -eq 3 ] || { echo "usage: $0 --demo BUILD_DIR OUT_DIR" >&2; exit 2; }
	BUILD=$2
	OUT=$3
	mkdir -p "$OUT"
	rm -f "$OUT/results.db" "$OUT/results.db-wal" "$OUT/results.db-shm"
	for policy in static:variant=best static:variant=fastest greedy reactive adascale oracle; do
		"$BUILD/adascale" run --trace traces/host_stress.csv \
			--device devices/xeon-kvm-2vcpu.ini --model mobilenet_v1 --policy "$policy" \
			--workload periodic:fps=30 --deadline-ms auto:1.5 --seed 1 --tag demo \
			--detail timeline --db "$OUT/results.db" >/dev/null
	done
	"$BUILD/adascale" report --db "$OUT/results.db" --out "$OUT/report" >/dev/null
	REPORT=$OUT/report
else
	[ $# -eq 1 ] || { echo "usage: $0 REPORT_DIR | --demo BUILD_DIR OUT_DIR" >&2; exit 2; }
	REPORT=$1
fi

[ -f "$REPORT/index.html" ] || { echo "browser-check: $REPORT/index.html: no such file" >&2; exit 2; }
BROWSER=${CHROMIUM:-chromium}
command -v "$BROWSER" >/dev/null 2>&1 ||
	{ echo "browser-check: $BROWSER not found (make browser-check installs Debian's chromium)" >&2; exit 2; }

PAGE=$(mktemp "$REPORT/.browser-check-XXXXXX")
PROFILE=$(mktemp -d "${TMPDIR:-/tmp}/adascale-chromium-XXXXXX")
trap 'rm -rf "$PAGE" "$PROFILE"' EXIT INT TERM
mv "$PAGE" "$PAGE.html"
PAGE=$PAGE.html
trap 'rm -rf "$PAGE" "$PROFILE"' EXIT INT TERM

# The measuring script, put in before </body>; it answers once the page and its images have
# loaded (the load event), within Chromium's virtual time budget.
awk '
/<\/body>/ && !done {
	print "<script>"
	print "window.addEventListener(\"load\", function () {"
	print "  var W = window.innerWidth, r = {width: W};"
	print "  function box(sel) { var es = document.querySelectorAll(sel); if (!es.length) return null;"
	print "    var l = Infinity, r = -Infinity;"
	print "    for (var i = 0; i < es.length; i++) { var b = es[i].getBoundingClientRect();"
	print "      l = Math.min(l, b.left); r = Math.max(r, b.right); }"
	print "    return {left: l, right: r}; }"
	print "  r.scrollWidth = document.documentElement.scrollWidth;"
	print "  r.verdict = box(\"#verdict\");"
	print "  r.objective = box(\"th[data-metric=ontime_top1]\");"
	print "  var imgs = document.images, bad = [];"
	print "  for (var i = 0; i < imgs.length; i++)"
	print "    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].getAttribute(\"src\"));"
	print "  r.images = imgs.length; r.broken = bad;"
	print "  var p = document.createElement(\"pre\"); p.id = \"browser-check\";"
	print "  p.textContent = \"BROWSER\" + \"-CHECK \" + JSON.stringify(r) + \" E\" + \"ND\";"
	print "  document.body.appendChild(p);"
	print "});"
	print "</script>"
	done = 1
}
{ print }' "$REPORT/index.html" > "$PAGE"

DOM=$("$BROWSER" --headless --disable-gpu --no-sandbox --user-data-dir="$PROFILE" \
	--window-size=1280,800 --hide-scrollbars --virtual-time-budget=5000 --dump-dom \
	"file://$(cd "$(dirname "$PAGE")" && pwd)/$(basename "$PAGE")" 2>/dev/null)
LINE=$(printf '%s\n' "$DOM" | sed -n 's/.*BROWSER-CHECK \(.*\) END.*/\1/p' | head -n 1)
if [ -z "$LINE" ]; then
	echo "browser-check: $REPORT/index.html: Chromium returned no measurement (the page did not load)" >&2
	exit 1
fi
echo "browser-check: $REPORT/index.html at 1280x800: $LINE"

# The JSON line has a fixed shape (above); read its numbers with sed, no JSON tool needed.
num() { printf '%s\n' "$LINE" | sed -n "s/.*\"$1\":{\"left\":\([-0-9.e]*\),\"right\":\([-0-9.e]*\)}.*/\\$2/p"; }
field() { printf '%s\n' "$LINE" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
fail=0
inside() { # NAME SELECTOR: the element exists and lies within [0, width]
	l=$(num "$1" 1)
	r=$(num "$1" 2)
	if [ -z "$l" ]; then
		echo "browser-check: FAIL: the page has no $2 element" >&2
		fail=1
	elif ! awk -v l="$l" -v r="$r" 'BEGIN { exit !(l >= 0 && r <= 1280) }'; then
		echo "browser-check: FAIL: $2 spans x = $l..$r px, outside the 1280 px window" >&2
		fail=1
	fi
}
inside verdict "verdict (#verdict)"
inside objective "on-time accuracy column (th[data-metric=ontime_top1])"
sw=$(field scrollWidth)
if ! awk -v w="$sw" 'BEGIN { exit !(w + 0 <= 1280) }'; then
	echo "browser-check: FAIL: the page is $sw px wide: it scrolls sideways at 1280 px" >&2
	fail=1
fi
if [ "$(field images)" = 0 ]; then
	echo "browser-check: FAIL: the page shows no image" >&2
	fail=1
fi
if [ "$(field broken)" != "[]" ]; then
	echo "browser-check: FAIL: images that did not load: $(field broken)" >&2
	fail=1
fi
[ $fail -eq 0 ] && echo "browser-check: ok"
exit $fail
