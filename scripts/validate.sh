#!/bin/sh
# `make validate`: the simulator against real serving on this machine. Measures this
# machine as a device (scripts/measure-device.sh into OUT_DIR), then for three conditions
# (idle, the load steps of traces/host_stress.csv, a flapping load) and four policies (the
# most accurate variant fixed at 1 and at 2 threads, greedy, adascale) serves ~30 s with
# adascale-agent serve and simulates the same run (adascale validate), and writes the table
# of docs/validation.md between its "validate:begin" and "validate:end" lines: the machine
# (CPU from /proc/cpuinfo), the date, and per run p50, p95 and miss rate simulated and real
# with the error and whether the target (p50 within 10%, p95 within 20%, miss rate within 3
# points) was met, and how late the served run applied its trace (serve's # trace_lag:).
# Each row is then served a second time, right after the first, and the table sets that
# repeat beside the first real run with the same targets: how far the machine itself moves
# from one served run to the next, the least error any simulation of it can promise. Run it
# on an otherwise idle machine: serving is timed for real. The competing load is packed
# (whole CPUs first, aload.h) in the measurement and in every served run: host_stress was
# recorded with stress-ng workers that each hold a CPU whole, and serve's applier, while it
# takes memory, holds one CPU whole too (docs/validation.md).
# Usage: scripts/validate.sh BUILD_DIR [OUT_DIR] [DOC]
#   VALIDATE_LOAD_SHAPE (default packed): spread or packed, for the measurement and serve
#   VALIDATE_CALIB_GAP_MS (default 0, back to back): the calibration's idle gap before
#     each pass (adascale-agent calibrate --gap-ms; docs/validation.md has what 50 ms, the
#     gap left at 10 fps beside the full load, did on the AMD EPYC guest)
#   VALIDATE_SECONDS (default 30): each served run's length
#   VALIDATE_REPEAT=0: serve each row once (no repeat column)
#   VALIDATE_NO_MEASURE=1: use OUT_DIR/this-machine.ini as it is (measured before)
set -eu
usage="usage: scripts/validate.sh BUILD_DIR [OUT_DIR] [DOC]"
BUILD=${1:?$usage}
OUT=${2:-out/validate}
DOC=${3:-docs/validation.md}
SECS=${VALIDATE_SECONDS:-30}
REPEAT=${VALIDATE_REPEAT:-1}
SHAPE=${VALIDATE_LOAD_SHAPE:-packed}
CALIB_GAP=${VALIDATE_CALIB_GAP_MS:-0}
NAME=this-machine
MODEL=mobilenet_v1
WORKLOAD=periodic:fps=10
DEADLINE=100
mkdir -p "$OUT"
grep -q '^<!-- validate:begin -->$' "$DOC" || { echo "validate: $DOC has no validate:begin line" >&2; exit 2; }

if [ "${VALIDATE_NO_MEASURE:-0}" != 1 ] || [ ! -f "$OUT/$NAME.ini" ]; then
	echo "validate: measuring this machine (LOAD_SHAPE=$SHAPE CALIB_GAP_MS=$CALIB_GAP scripts/measure-device.sh $BUILD $OUT $NAME $MODEL)"
	LOAD_SHAPE=$SHAPE CALIB_GAP_MS=$CALIB_GAP sh scripts/measure-device.sh "$BUILD" "$OUT" "$NAME" "$MODEL"
fi
# the shape the device was measured in, which adascale validate serves in too
SHAPE=$(sed -n 's/^# load_shape: //p' "$OUT/$NAME/calibration.csv")
SHAPE=${SHAPE:-spread}
CALIB_GAP=$(sed -n 's/^# gap_ms: //p' "$OUT/$NAME/calibration.csv")
CALIB_GAP=${CALIB_GAP:-0}

# the three conditions
printf '# scenario: idle: no competing load, for make validate (scripts/validate.sh)\ntime_s,util_other\n0,0\n%s,0\n' "$SECS" > "$OUT/idle.csv"
# host_stress's load steps (util_other, mem_avail_mb) with time compressed to SECS seconds;
# its freq_mhz and online.0 columns are left out: serve cannot apply them (it would need
# --ignore freq_mhz,online.0), and the simulation must not apply them either. The memory
# held (below the first row's mem_avail_mb) shrinks by the same factor, so that memory is
# taken at the recording's own rate: compressed whole, the ramp would ask 1.7 GB/s while
# the trace leaves one CPU of two for it, which serve's applier cannot follow on the AMD
# EPYC guest (755 to 956 MB/s with both CPUs free, serve's # mem_apply: lines;
# docs/validation.md)
awk -F, -v secs="$SECS" '
	/^#/ { print; next }
	!hdr { hdr = 1; print "# note: time_s compressed from the 149.5 s recording to " secs " s, the memory held below the first row scaled by the same factor, freq_mhz and online.0 left out, by scripts/validate.sh"; print $1, $4, $5; next }
	base == "" { base = $5 }
	{ print sprintf("%.3f", $1 * secs / 149.5), $4, sprintf("%.0f", base - (base - $5) * secs / 149.5) }' OFS=, traces/host_stress.csv > "$OUT/host_stress.csv"
"$BUILD/adascale" trace gen bursts --seed 1 --duration-s "$SECS" --interval-ms 100 \
	base_util=0 burst_lo=0.6 burst_hi=0.9 on_s=1 off_s=1 -o "$OUT/flapping.csv"

DB=$OUT/validate.db
rm -f "$DB" "$DB-wal" "$DB-shm"
rows=$OUT/rows.txt
: > "$rows"
for cond in idle host_stress flapping; do
	for pol in static:variant=best,threads=1 static:variant=best,threads=2 greedy adascale; do
		tag="$cond/$pol"
		csv=$OUT/$(echo "$cond-$pol" | tr ':=,/' '____').csv
		echo "validate: $tag"
		"$BUILD/adascale" validate --db "$DB" --tag "$tag" --csv "$csv" \
			--trace "$OUT/$cond.csv" --device "$OUT/$NAME.ini" --model "$MODEL" \
			--policy "$pol" --workload "$WORKLOAD" --deadline-ms "$DEADLINE" --seed 1 \
			--duration-s "$SECS" --served-out "$OUT/$(basename "$csv" .csv).served.csv" \
			> /dev/null
		# how late the served run applied its trace (serve's # trace_lag: line)
		lag=$(sed -n 's/^# trace_lag: \([0-9]*\) of \([0-9]*\) rows.*the longest \([0-9.]*\) ms.*/\1 of \2, longest \3 ms/p' \
			"$OUT/$(basename "$csv" .csv).served.csv")
		# the CPU the applier spent taking memory after time 0 (serve's # mem_apply: line)
		memcpu=$(sed -n 's/^# mem_apply: .*taking memory used \([0-9.]*\) s.*/\1 s/p' \
			"$OUT/$(basename "$csv" .csv).served.csv")
		# the repeat: the same row served again, its real side against the first one's
		rep="not served (VALIDATE_REPEAT=0)"
		if [ "$REPEAT" != 0 ]; then
			rcsv=$OUT/$(basename "$csv" .csv).repeat.csv
			"$BUILD/adascale" validate --db "$DB" --tag "$tag/repeat" --csv "$rcsv" \
				--trace "$OUT/$cond.csv" --device "$OUT/$NAME.ini" --model "$MODEL" \
				--policy "$pol" --workload "$WORKLOAD" --deadline-ms "$DEADLINE" --seed 1 \
				--duration-s "$SECS" --served-out "$OUT/$(basename "$csv" .csv).repeat.served.csv" \
				> /dev/null
			rep=$(awk -F, '
				FNR == 1 { f++ }
				f == 1 && $1 ~ /^(lat_p50_ms|lat_p95_ms|miss_rate)$/ { first[$1] = $5 }
				f == 2 && $1 ~ /^(lat_p50_ms|lat_p95_ms|miss_rate)$/ { again[$1] = $5 }
				function rel(m, target,    d) {
					d = first[m] > 0 ? 100 * (again[m] - first[m]) / first[m] : 0
					return sprintf("%.2f (%+.1f%% %s)", again[m], d, (d <= target && d >= -target) ? "within" : "beyond")
				}
				END {
					pt = again["miss_rate"] - first["miss_rate"]
					printf "%s, %s, %.1f (%+.1f pt %s)", rel("lat_p50_ms", 10), rel("lat_p95_ms", 20),
						again["miss_rate"], pt, (pt <= 3 && pt >= -3) ? "within" : "beyond"
				}' "$csv" "$rcsv")
		fi
		awk -F, -v cond="$cond" -v pol="$pol" -v lag="${lag:-not recorded}" \
			-v memcpu="${memcpu:-none}" -v rep="$rep" '
			$1 == "lat_p50_ms" { p50 = sprintf("%.2f | %.2f | %+.1f%% %s", $4, $5, $6, $9) }
			$1 == "lat_p95_ms" { p95 = sprintf("%.2f | %.2f | %+.1f%% %s", $4, $5, $6, $9) }
			$1 == "miss_rate" { miss = sprintf("%.1f | %.1f | %+.1f pt %s", $4, $5, $6, $9) }
			END { printf "| %s | `%s` | %s | %s | %s | %s | %s | %s |\n", cond, pol, p50, p95, miss, rep, lag, memcpu }' \
			"$csv" >> "$rows"
	done
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ncpu=$(grep -c '^processor' /proc/cpuinfo)
date=$(date -u +%Y-%m-%d)
table=$OUT/table.md
{
	echo "<!-- validate:begin -->"
	echo "Measured by \`make validate\` (scripts/validate.sh) on $cpu ($ncpu CPUs), $date;"
	gap_words=
	[ "$CALIB_GAP" = 0 ] || gap_words=", the calibration's passes each after $CALIB_GAP ms idle"
	echo "each served run $SECS s, $MODEL, \`$WORKLOAD\`, deadline $DEADLINE ms, seed 1, competing load $SHAPE (whole CPUs first when packed)$gap_words."
	echo
	echo "| condition | policy | p50 sim (ms) | p50 real (ms) | p50 error (target 10%) | p95 sim (ms) | p95 real (ms) | p95 error (target 20%) | miss sim (%) | miss real (%) | miss error (target 3 pt) | real served again: p50 (ms), p95 (ms), miss (%), each against the first real run | trace rows applied > 100 ms late (real) | CPU taking memory (real) |"
	echo "| --- | --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | --- | --- | --- | ---: |"
	cat "$rows"
	echo
	n=$(wc -l < "$rows")
	met=$(grep -c -v 'missed' "$rows" || true)
	echo "Simulated within every target of the first real run: $met of $n rows."
	if [ "$REPEAT" != 0 ]; then
		same=$(grep -c -v 'beyond' "$rows" || true)
		echo "The real run served again within every target of the first: $same of $n rows."
	fi
	echo "<!-- validate:end -->"
} > "$table"
awk -v table="$table" '
	/^<!-- validate:begin -->$/ { while ((getline l < table) > 0) print l; skip = 1; next }
	/^<!-- validate:end -->$/ { skip = 0; next }
	!skip { print }' "$DOC" > "$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "validate: the table is in $DOC (runs in $DB; adascale report --db $DB --out $OUT/report)"
