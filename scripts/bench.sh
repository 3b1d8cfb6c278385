#!/bin/sh
# make bench: the engine, trace parsing and whole-run speeds (build/bench); the time the agent
# takes to profile every unique kernel of the MobileNet V1 and V2 ladders on this machine;
# and kernel efficiency (build/bench-agent: the zoo's largest convolutions against sgemm,
# measured in the same run). The machine should be otherwise idle: every number here is a
# time.
set -eu
BUILD=${1:-build}
OUT=out/bench
mkdir -p "$OUT"
echo "bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"

# the V1 and V2 ladders' kernel lists, concatenated: the agent measures repeated shapes once
"$BUILD/adascale" kernels mobilenet_v1 > "$OUT/kernels.csv"
for m in mobilenet_v2; do
	if "$BUILD/adascale" kernels "$m" > "$OUT/kernels-$m.csv" 2>/dev/null; then
		grep -v '^#' "$OUT/kernels-$m.csv" | tail -n +2 >> "$OUT/kernels.csv"
	else
		echo "profile: $m has no ladder here; profiling the others" >&2
	fi
done
rows=$(grep -v '^#' "$OUT/kernels.csv" | tail -n +2 | wc -l)
start=$(date +%s.%N)
"$BUILD/adascale-agent" profile "$OUT/kernels.csv" --quiet -o "$OUT/timings.csv" 2>/dev/null
end=$(date +%s.%N)
done_line=$(grep '^# done:' "$OUT/timings.csv" | sed 's/^# done: //')
echo "profile: $rows kernel rows of the mobilenet_v1 and mobilenet_v2 ladders ($done_line) in" \
	"$(awk "BEGIN { printf \"%.1f\", $end - $start }") s (goal: under 180 s)"

"$BUILD/bench-agent"
"$BUILD/bench" "$OUT/timings.csv" 2
