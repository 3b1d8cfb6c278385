#!/bin/sh
# The Pixel 3 camera session of docs/physics.md: MobileNet V1's ladder at 15 frames a second,
# 100 ms deadline, seed 1, on traces/camera_warm_room.csv with the bundled derived Pixel 3
# timings, each policy in the closed loop and replayed. Prints the Markdown table the doc
# holds (on-time top-1, time the big cluster was capped, peak temperature, battery at the end).
# The numbers depend only on the bundled files, not on the machine that runs it.
# Usage: scripts/camera-session.sh [BUILD_DIR]
set -eu
BUILD=${1:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "| policy | loop | on-time top-1 | big cluster capped | peak | battery at the end |"
echo "| --- | --- | --- | --- | --- | --- |"
for run in "greedy closed" "adascale:lambda=0.1 closed" "adascale closed" "oracle closed" \
	"greedy replay" "adascale:lambda=0.1 replay" "oracle replay"; do
	set -- $run
	"$BUILD/adascale" run --trace traces/camera_warm_room.csv --device devices/pixel3.ini \
		--timings devices/pixel3/timings-derived.csv --model mobilenet_v1 --policy "$1" \
		--workload periodic:fps=15 --deadline-ms 100 --physics "$2" --seed 1 \
		--db "$TMP/r.db" > "$TMP/out.txt" 2>&1
	awk -v pol="$1" -v loop="$2" '
	/^run [0-9]+:/ {
		on = $0; sub(/.*on-time top-1 /, "", on); sub(/%.*/, "", on)
		cap = "(not modelled)"; peak = ""; batt = ""
		if (match($0, /capped below its top point [0-9.]+ s of [0-9.]+ s/)) {
			split(substr($0, RSTART, RLENGTH), w, " ")
			cap = w[6] + 0 > 0 ? sprintf("%.0f s of %.0f s", w[6], w[9]) : "never"
		} else if (loop == "closed") cap = "never"
		if (match($0, /peak [0-9.]+ degC/)) { split(substr($0, RSTART, RLENGTH), w, " "); peak = w[2] " degC" }
		if (match($0, /battery [0-9.]+% -> [0-9.]+%/)) { split(substr($0, RSTART, RLENGTH), w, " "); batt = w[4] }
		sub(/adascale:lambda=0.1/, "adascale, lambda=0.1", pol)
		if (pol == "adascale") pol = "adascale (default lambda=0.01)"
		printf "| %s | %s | %s %% | %s | %s | %s |\n", pol, loop, on, cap, peak, batt
	}' "$TMP/out.txt"
done
