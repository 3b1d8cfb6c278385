#!/bin/sh
# make bench: the engine, trace parsing and whole-run speeds (build/bench), and the time the
# agent takes to profile every kernel of the MobileNet V1 ladder on this machine.
set -eu
BUILD=${1:-build}
OUT=out/bench
mkdir -p "$OUT"
echo "bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
"$BUILD/adascale" kernels mobilenet_v1 > "$OUT/kernels.csv"
start=$(date +%s.%N)
"$BUILD/adascale-agent" profile "$OUT/kernels.csv" -o "$OUT/timings.csv" 2>/dev/null
end=$(date +%s.%N)
rows=$(grep -vc '^#' "$OUT/timings.csv")
echo "profile: $((rows - 1)) kernel x thread timings of the mobilenet_v1 ladder in $(awk "BEGIN { printf \"%.1f\", $end - $start }") s"
"$BUILD/bench" "$OUT/timings.csv" 24 1000
