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
"$BUILD/bench" "$OUT/timings.csv" 24 1000

# sweeps (data/sweeps/bench.ini, 64 runs): throughput with --jobs 1 and --jobs 2, and what the
# sweep machinery (planning, a child process per run, the result over a pipe, one SQLite
# transaction per run) costs per run beside the runs' own time (their wall_s in the database)
sweep_s() { # the seconds the whole sweep takes with $1 jobs, into $OUT/sweep-$1.db
	rm -f "$OUT/sweep-$1.db" "$OUT/sweep-$1.db-wal" "$OUT/sweep-$1.db-shm"
	start=$(date +%s.%N)
	"$BUILD/adascale" sweep data/sweeps/bench.ini --db "$OUT/sweep-$1.db" --jobs "$1" --progress none > /dev/null
	end=$(date +%s.%N)
	awk "BEGIN { print $end - $start }"
}
wall_1=$(sweep_s 1)
wall_2=$(sweep_s 2)
n=$(sqlite3 "$OUT/sweep-1.db" "SELECT count(*) FROM runs WHERE status = 'ok'")
own=$(sqlite3 "$OUT/sweep-1.db" "SELECT sum(wall_s) FROM runs")
own_2=$(sqlite3 "$OUT/sweep-2.db" "SELECT sum(wall_s) FROM runs")
awk -v n="$n" -v w1="$wall_1" -v w2="$wall_2" -v own="$own" -v own2="$own_2" 'BEGIN {
	printf "sweep: %d runs in %.2f s with 1 job (%.1f runs/s), %.2f s with 2 jobs (%.1f runs/s): %.2fx (goal: 1.8x)\n",
		n, w1, n / w1, w2, n / w2, w1 / w2
	printf "sweep overhead: %.1f ms per run (process, pipe, store, planning) beside %.1f ms of run (%.1f%%)\n",
		(w1 - own) / n * 1000, own / n * 1000, (w1 - own) / own * 100
	printf "sweep occupancy: with 2 jobs, runs were in flight %.0f%% of 2 x the wall time" \
		" (other load on the machine slows the runs, not this)\n", own2 / (2 * w2) * 100 }'

# AdaScale SGD against linear scaling with warm-up (docs/evolve.md): the Fashion-MNIST backbone
# for one scale-invariant epoch on 10,000 images at scales 1, 4 and 16; test top-1 and steps
"$BUILD/adascale" evolve --compare-optimizers --quick 2> /dev/null | awk -F, '
	/^(adascale|lsw),/ { s = s sprintf("%s%s S=%s %.2f%% in %d steps", s ? "; " : "", $1, $2, $4, $5) }
	END { print "optimizers: " s " (1,500 test images)" }'
