#!/bin/sh
# record-trace.sh: records a device-state trace on this machine while stress-ng applies a
# fixed load schedule, for a trace whose load phases are known:
#
#   20 s idle, 40 s `stress-ng --cpu 1`, 40 s `stress-ng --cpu 2`,
#   30 s `stress-ng --vm 1 --vm-bytes 60% --vm-keep --vm-populate` (memory pressure), 20 s idle
#
# The agent samples every INTERVAL_MS (500) for the whole 150 s. Each load starts at its
# planned offset and is given the time left to its planned end (the memory phase may end a
# few seconds late while stress-ng frees what it held). The schedule as it actually ran
# (offsets from the start of the recording, exact commands) is written into the trace as
# "# how:" metadata lines after the agent's own. Run it on an otherwise idle machine: any
# other process shows up in util_other too. Needs build/adascale-agent (make) and
# stress-ng (Debian package stress-ng).
#
# usage: scripts/record-trace.sh [OUT.csv]     (default traces/host_stress.csv)
#        AGENT=path/to/adascale-agent INTERVAL_MS=500 scripts/record-trace.sh
#        (phase lengths in seconds: IDLE1, CPU1, CPU2, VM, IDLE2)
set -eu

AGENT=${AGENT:-build/adascale-agent}
INTERVAL_MS=${INTERVAL_MS:-500}
OUT=${1:-traces/host_stress.csv}

IDLE1=${IDLE1:-20} CPU1=${CPU1:-40} CPU2=${CPU2:-40} VM=${VM:-30} IDLE2=${IDLE2:-20}
TOTAL=$((IDLE1 + CPU1 + CPU2 + VM + IDLE2))

if [ ! -x "$AGENT" ]; then
	echo "record-trace: $AGENT not found; run make first (or set AGENT)" >&2
	exit 2
fi
if ! command -v stress-ng >/dev/null 2>&1; then
	echo "record-trace: stress-ng not found (apt-get install stress-ng)" >&2
	exit 2
fi

tmp=$(mktemp "${OUT}.XXXXXX")
how=$(mktemp)
rec_pid=""
load_pid=""
cleanup() {
	if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null || true; fi
	if [ -n "$rec_pid" ]; then kill "$rec_pid" 2>/dev/null || true; fi
	rm -f "$tmp" "$tmp.new" "$how"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
start=$(now)
"$AGENT" record --interval-ms "$INTERVAL_MS" --duration-s "$TOTAL" -o "$tmp" &
rec_pid=$!

# offset of "now" from the start of the recording, in seconds
at() { awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# sleeps until offset $1 (seconds from the start)
sleep_until() {
	d=$(awk -v a="$start" -v b="$(now)" -v t="$1" \
		'BEGIN { d = t - (b - a); if (d < 0) d = 0; printf "%.2f", d }')
	sleep "$d"
}

# load FROM TO NAME stress-ng-arguments...: runs stress-ng from offset FROM to offset TO
load() {
	from=$1 to=$2 name=$3
	shift 3
	sleep_until "$from"
	t0=$(at)
	secs=$(awk -v a="$t0" -v b="$to" \
		'BEGIN { s = int(b - a + 0.5); if (s < 1) s = 1; print s }')
	stress-ng "$@" --timeout "${secs}s" --quiet &
	load_pid=$!
	wait "$load_pid" || true
	load_pid=""
	echo "# how: $t0 s to $(at) s: $name: stress-ng $* --timeout ${secs}s --quiet" >>"$how"
}

A=$IDLE1
B=$((A + CPU1))
C=$((B + CPU2))
D=$((C + VM))
rec="adascale-agent record --interval-ms $INTERVAL_MS --duration-s $TOTAL"
{
	echo "# how: scripts/record-trace.sh on $(hostname): $rec while stress-ng runs the" \
		"schedule below (offsets from the start of the recording; no load outside the" \
		"listed spans)"
	echo "# how: planned: 0-$A s idle, $A-$B s one CPU busy, $B-$C s two CPUs busy," \
		"$C-$D s memory pressure, $D-$TOTAL s idle"
} >"$how"
load "$A" "$B" "one CPU busy" --cpu 1
load "$B" "$C" "two CPUs busy" --cpu 2
load "$C" "$D" "memory pressure (60% of memory held)" \
	--vm 1 --vm-bytes 60% --vm-keep --vm-populate
wait "$rec_pid"
rec_pid=""
echo "# how: util_other counts the stress-ng workers (and anything else running) as other" \
	"processes" >>"$how"

# the agent's metadata, then the schedule, then the header and rows
awk -v howfile="$how" '
	!done && !/^#/ { while ((getline l < howfile) > 0) print l; done = 1 }
	{ print }
' "$tmp" >"$tmp.new"
mv "$tmp.new" "$OUT"
echo "record-trace: wrote $OUT ($(grep -vc '^#' "$OUT") lines with the header)"
