#!/bin/sh
# How far the real side of one `make validate` row moves from one served run to the next:
# serves the row N times back to back with adascale-agent serve (the arguments
# scripts/validate.sh gives it), reads each served file's p50, p95 and miss rate as
# `adascale validate --served` reads them, and prints each run beside the first with
# validate's targets (p50 within 10%, p95 within 20%, miss rate within 3 points), then
# the range over the N runs. No simulation is judged here: this is the floor under any
# simulation of the row, since a simulation cannot be nearer to every real run than the
# real runs are to each other. Not for the table itself (scripts/validate.sh).
# Usage: scripts/serve-repeat.sh BUILD_DIR VALIDATE_DIR CONDITION POLICY [N]
#   VALIDATE_DIR: a `make validate` output folder (its this-machine.ini and CONDITION.csv)
#   CONDITION: idle, host_stress or flapping; POLICY: as validate's, e.g.
#   static:variant=best,threads=2; N: runs (4). VALIDATE_SECONDS as for validate (30).
set -eu
usage="usage: scripts/serve-repeat.sh BUILD_DIR VALIDATE_DIR CONDITION POLICY [N]"
BUILD=${1:?$usage}
VDIR=${2:?$usage}
COND=${3:?$usage}
POL=${4:?$usage}
N=${5:-4}
SECS=${VALIDATE_SECONDS:-30}
[ -f "$VDIR/this-machine.ini" ] || { echo "serve-repeat: $VDIR/this-machine.ini: no such file (run make validate first)" >&2; exit 2; }
[ -f "$VDIR/$COND.csv" ] || { echo "serve-repeat: $VDIR/$COND.csv: no such file" >&2; exit 2; }
shape=$(sed -n 's/^# load_shape: *//p' "$VDIR/this-machine/calibration.csv" 2>/dev/null | head -1)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
echo "serve-repeat: $COND, $POL, $N runs of $SECS s on $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load ${shape:-spread}"
i=1
while [ "$i" -le "$N" ]; do
	"$BUILD/adascale-agent" serve --trace "$VDIR/$COND.csv" --device "$VDIR/this-machine.ini" \
		--model mobilenet_v1 --policy "$POL" --workload periodic:fps=10 --deadline-ms 100 \
		--seed 1 --duration-s "$SECS" --queue 4 --drop newest --load-shape "${shape:-spread}" \
		-o "$TMP/$i.served.csv" 2> "$TMP/$i.err" || { cat "$TMP/$i.err" >&2; exit 1; }
	"$BUILD/adascale" validate --db "$TMP/r.db" --tag "run$i" --served "$TMP/$i.served.csv" \
		--csv "$TMP/$i.csv" > /dev/null 2>> "$TMP/$i.err" || { cat "$TMP/$i.err" >&2; exit 1; }
	awk -F, -v i="$i" '$1 ~ /^(lat_p50_ms|lat_p95_ms|miss_rate)$/ { print i, $1, $5 }' "$TMP/$i.csv" >> "$TMP/all"
	i=$((i + 1))
done
awk -v n="$N" '
	{ v[$1, $2] = $3 }
	function rel(m, t, r,    d) {
		d = 100 * (v[r, m] - v[1, m]) / v[1, m]
		return sprintf("%8.2f %+7.1f%% %-6s", v[r, m], d, (d <= t && d >= -t) ? "within" : "beyond")
	}
	END {
		printf "%-4s %-25s %-25s %s\n", "run", "p50 ms (vs run 1)", "p95 ms (vs run 1)", "miss % (vs run 1)"
		for (r = 1; r <= n; r++) {
			pt = v[r, "miss_rate"] - v[1, "miss_rate"]
			printf "%-4d %s %s %5.1f %+5.1f pt %s\n", r, rel("lat_p50_ms", 10, r),
				rel("lat_p95_ms", 20, r), v[r, "miss_rate"], pt,
				(pt <= 3 && pt >= -3) ? "within" : "beyond"
		}
		split("lat_p50_ms lat_p95_ms miss_rate", m, " ")
		for (k = 1; k <= 3; k++) {
			lo = hi = v[1, m[k]]
			for (r = 2; r <= n; r++) {
				if (v[r, m[k]] < lo) lo = v[r, m[k]]
				if (v[r, m[k]] > hi) hi = v[r, m[k]]
			}
			# the simulated values within the target of every run: [0.9 hi, 1.1 lo] for
			# p50, [0.8 hi, 1.2 lo] for p95, [hi - 3, lo + 3] points for the miss rate (not below 0)
			if (k == 3) { a = hi > 3 ? hi - 3 : 0; b = lo + 3 }
			else { t = k == 1 ? 0.1 : 0.2; a = (1 - t) * hi; b = (1 + t) * lo }
			printf "range %s: %.2f to %.2f; within the target of every run: %s\n", m[k], lo,
				hi, a <= b ? sprintf("%.2f to %.2f", a, b) : "no value"
		}
	}' "$TMP/all"
