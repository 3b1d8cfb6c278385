#!/bin/sh
# Derived Pixel 3 timings held against the phone: derives the Pixel 3's timings from a
# measured device's (by default devices/epyc-zen4-kvm-2vcpu.ini, whose peak the agent
# measured with its timings), simulates every fp32 variant of MobileNet V1
# alone at 4 threads on an idle constant trace, and sets each one's latency beside the
# published Pixel 3 latency of the same variant (TFLite hosted models, 4 CPU threads:
# ../shared/data/latency/pixel3_tflite_mobilenet_v1_fp32.csv, read from there, not copied).
# Prints a Markdown table, Spearman's rank correlation and the median and worst relative
# error; then the int8 ladder as derived two ways, by the fp32 ratio (devices/pixel3.ini as
# bundled) and by derive's int8 rule at the Kryo 385's dot-product rate (the commented
# int8_ops_per_cycle of devices/pixel3.ini given), with no published column: those rows are
# held back (docs/phones.md holds the output).
# Usage: scripts/pixel3-check.sh [BUILD_DIR] [PUBLISHED.csv] [SOURCE_DEVICE.ini]
set -eu
BUILD=${1:-build}
PUB=${2:-../shared/data/latency/pixel3_tflite_mobilenet_v1_fp32.csv}
SRC=${3:-devices/epyc-zen4-kvm-2vcpu.ini}
[ -r "$PUB" ] || { echo "pixel3-check: $PUB: cannot read the published latencies" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BUILD/adascale" derive --from "$SRC" --to devices/pixel3.ini -o "$TMP/p3.csv" 2>/dev/null
printf 'time_s,util_other\n0,0\n' > "$TMP/idle.csv"
n=$("$BUILD/adascale" variants mobilenet_v1 --format csv | grep -c ',fp32')
# every variant of the ladder alone (static by table index), 4 threads, 2 requests a
# second for 3 s: one finishes before the next arrives, so the median latency is the
# inference alone
for i in $(seq 0 31); do
	"$BUILD/adascale" run --trace "$TMP/idle.csv" --device devices/pixel3.ini \
		--timings "$TMP/p3.csv" --model mobilenet_v1 --policy "static:variant=$i,threads=4" \
		--workload periodic:fps=2 --duration-s 3 --deadline-ms 1000 --db "$TMP/r.db" \
		>/dev/null 2>&1
done
# the simulated median latency of each fp32 variant, keyed like the published rows
sqlite3 -csv "$TMP/r.db" "SELECT printf('Mobilenet_V1_%s_%d', CASE v.width WHEN 1 THEN '1.0'
	ELSE printf('%.2f', v.width) END, v.res), r.lat_p50_ms FROM runs r JOIN variant_use v
	ON v.run_id = r.id WHERE v.quant = 'fp32'" | sort > "$TMP/sim.csv"
grep -v '^#' "$PUB" | tail -n +2 | cut -d, -f1,3 | sort > "$TMP/pub.csv"
join -t, "$TMP/pub.csv" "$TMP/sim.csv" > "$TMP/both.csv"
echo "| variant (width, resolution) | published, ms | derived and simulated, ms | ratio |"
echo "| --- | ---: | ---: | ---: |"
awk -F, '{ printf "| %s | %.1f | %.1f | %.2f |\n", $1, $2, $3, $3 / $2 }' "$TMP/both.csv"
# ranks (ties are not expected in either column) and the errors
awk -F, -v n_fp32="$n" '
{ name[NR] = $1; p[NR] = $2; s[NR] = $3 }
END {
	n = NR
	for (i = 1; i <= n; i++) {
		rp = 1; rs = 1
		for (j = 1; j <= n; j++) {
			if (p[j] < p[i]) rp++
			if (s[j] < s[i]) rs++
		}
		d2 += (rp - rs) * (rp - rs)
		e[i] = (s[i] - p[i]) / p[i]; if (e[i] < 0) e[i] = -e[i]
	}
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (e[j] < e[i]) { t = e[i]; e[i] = e[j]; e[j] = t }
	med = n % 2 ? e[(n + 1) / 2] : (e[n / 2] + e[n / 2 + 1]) / 2
	printf "\n%d of the %d fp32 variants published; Spearman rank correlation %.3f; relative error median %.0f%%, worst %.0f%%\n",
		n, n_fp32, 1 - 6 * d2 / (n * (n * n - 1)), 100 * med, 100 * e[n]
}' "$TMP/both.csv"

# int8, two ways: the bundled device file, and the same with its int8_ops_per_cycle given
sed -e 's/^; int8_ops_per_cycle = /int8_ops_per_cycle = /' \
	-e "s#^timings = #timings = $(pwd)/devices/#" devices/pixel3.ini > "$TMP/p3-int8.ini"
"$BUILD/adascale" derive --from "$SRC" --to "$TMP/p3-int8.ini" -o "$TMP/p3i.csv" 2>/dev/null
for dev in devices/pixel3.ini:"$TMP/p3.csv":fp32 "$TMP/p3-int8.ini":"$TMP/p3i.csv":int8; do
	d=${dev%%:*}; rest=${dev#*:}; tim=${rest%%:*}; tag=${rest#*:}
	for i in $(seq 0 31); do
		"$BUILD/adascale" run --trace "$TMP/idle.csv" --device "$d" --timings "$tim" \
			--model mobilenet_v1 --policy "static:variant=$i,threads=4" \
			--workload periodic:fps=2 --duration-s 3 --deadline-ms 1000 \
			--db "$TMP/i-$tag.db" >/dev/null 2>&1
	done
	sqlite3 -csv "$TMP/i-$tag.db" "SELECT printf('Mobilenet_V1_%s_%d_quant', CASE v.width WHEN 1
		THEN '1.0' ELSE printf('%.2f', v.width) END, v.res), r.lat_p50_ms FROM runs r JOIN
		variant_use v ON v.run_id = r.id WHERE v.quant = 'int8'" | sort > "$TMP/int8-$tag.csv"
done
echo
echo "| int8 variant | by the fp32 ratio, ms | by the int8 rule (32 int8 ops a cycle), ms |"
echo "| --- | ---: | ---: |"
join -t, "$TMP/int8-fp32.csv" "$TMP/int8-int8.csv" | awk -F, '{ printf "| %s | %.2f | %.2f |\n", $1, $2, $3 }'
