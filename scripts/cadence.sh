#!/bin/sh
# How a pass's time depends on the gap before it: serves one variant (the most accurate) alone on
# an idle trace with adascale-agent serve, at each request rate and thread count given, and
# prints the p10, median and p90 of the served inference times (switches left out). The
# profile times passes back to back; a runtime serving a camera at 10 fps leaves its threads
# idle 90 ms between passes (docs/validation.md, "Idle gaps"; adascale-agent cadence measures
# the same for a device file). Run it on an idle machine.
# Usage: scripts/cadence.sh BUILD_DIR DEVICE.ini [SECONDS] [FPS_LIST] [THREADS_LIST]
#   VARIANT (default best): the static policy's variant (a key, best or fastest)
# (docs/validation.md: scripts/cadence.sh build devices/epyc-kvm-2vcpu.ini 10 "2 10 50 100" "1 2")
set -eu
usage="usage: scripts/cadence.sh BUILD_DIR DEVICE.ini [SECONDS] [FPS_LIST] [THREADS_LIST]"
BUILD=${1:?$usage}
DEV=${2:?$usage}
SECS=${3:-10}
FPS=${4:-2 10 50 100}
THREADS=${5:-1 2}
[ -r "$DEV" ] || { echo "cadence: $DEV: cannot read the device file" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'time_s,util_other\n0,0\n%s,0\n' "$((SECS + 5))" > "$tmp/idle.csv"
echo "| threads | requests a second | gap before a pass (ms) | passes | p10 (ms) | median (ms) | p90 (ms) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in $THREADS; do
	for f in $FPS; do
		"$BUILD/adascale-agent" serve --trace "$tmp/idle.csv" --device "$DEV" \
			--policy "static:variant=${VARIANT:-best},threads=$t" --workload "periodic:fps=$f" \
			--duration-s "$SECS" --deadline-ms 10000 --queue 100000 \
			-o "$tmp/served.csv" > /dev/null
		# the rows after the header; the variant key is quoted and holds commas
		grep -v '^#' "$tmp/served.csv" | tail -n +2 | sed 's/"[^"]*"/v/' |
			awk -F, -v t="$t" -v f="$f" '$8 == "ok" && $7 == 0 { d[++n] = $4 - $3 }
			END {
				for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
					if (d[j] < d[i]) { x = d[i]; d[i] = d[j]; d[j] = x }
				printf "| %d | %d | %.0f | %d | %.2f | %.2f | %.2f |\n", t, f, 1000 / f - d[int(n / 2) + 1], n,
					d[int(n / 10) + 1], d[int(n / 2) + 1], d[int(9 * n / 10) + 1]
			}'
	done
done
