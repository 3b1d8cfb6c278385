#!/bin/sh
# make demo: profile this machine's DNN kernels with the agent, replay the bundled
# device-state trace under the six built-in policies, store the runs in SQLite and render the report.
# Usage: scripts/demo.sh BUILD_DIR OUT_DIR
set -eu
BUILD=${1:-build}
OUT=${2:-out/demo}
TRACE=traces/host_stress.csv
MODEL=mobilenet_v1
mkdir -p "$OUT"
# a fresh database each time, so the report shows this demo's runs only
rm -f "$OUT/results.db" "$OUT/results.db-wal" "$OUT/results.db-shm"

echo "demo: 1/4 this machine (adascale-agent info > $OUT/host-info.ini, completed into $OUT/host.ini)"
"$BUILD/adascale-agent" info > "$OUT/host-info.ini"
# $OUT/host.ini: this machine as the agent sees it, with the timings profiled below; what
# /proc and /sys cannot tell is filled in and labelled assumed (the values of
# devices/xeon-kvm-2vcpu.ini, whose comments say where they come from).
has() { grep -q "^$1 *=" "$OUT/host-info.ini"; }
awk -v dev="$(has storage_read_mbps || echo 'storage_read_mbps = 1000      ; assumed, not measured')
$(has init_ms || echo 'init_ms = 5                   ; assumed')
$(has base_power_mw || echo 'base_power_mw = 0             ; not modelled: energy is inference energy only')
$(has energy_source || echo 'energy_source = assumed: the coefficient of devices/xeon-kvm-2vcpu.ini (1923 uW/MHz/V^2: 5 W per busy core at 2600 MHz and 1.0 V) and 1.0 V')
timings = timings.csv
timings_source = measured" \
    -v cl="$(has dyn_power_coeff || echo 'dyn_power_coeff = 1923        ; assumed, see energy_source')
$(grep -q '^; voltage_rule: needed' "$OUT/host-info.ini" && echo 'voltage_rule = const:1000     ; assumed 1.0 V: voltages not readable here')" \
    '{ print } /^\[device\]/ { print dev } /^\[cluster\./ { print cl }' \
    "$OUT/host-info.ini" > "$OUT/host.ini"
# How a policy here senses the state (docs/agent.md#sense): load steps read from /proc/stat
# every 100 ms (the policy's sampling period, assumed); the delay and the noise measured go
# into the device's [sensing]. When no step was visible (another load held the CPUs) the
# policies sense exactly, and the runs' notes say so.
"$BUILD/adascale-agent" sense --periods 100 --steps 8 --quiet -o "$OUT/sensing.csv"
awk -F, '!/^#/ && $1 == 100 && $3 > 0 {
	sd = $6 > $7 ? $6 : $7
	d = $4 < 0 ? 0 : $4    # a reading cannot come before its window: below 0 is noise
	printf "[sensing]\nperiod_ms = 100               ; assumed: the policy reads the state ten times a second\n"
	printf "delay_ms = %s\nutil_noise_sd = %s\n", d, sd
	printf "source = measured: adascale-agent sense --periods 100 --steps 8 (sensing.csv: the delay median of %s steps, the larger load spread)\n", $3
}' "$OUT/sensing.csv" >> "$OUT/host.ini"
grep -q '^\[sensing\]' "$OUT/host.ini" ||
	echo "      sense: no load step was visible (the CPUs were busy): the policies sense exactly"

echo "demo: 2/4 profiling $MODEL's 32 variants on this machine (each kernel in whole passes)"
"$BUILD/adascale" profile "$MODEL" -o "$OUT/timings.csv"
echo "      $(grep -vc '^#' "$OUT/timings.csv") timings rows in $OUT/timings.csv"

# The deadline comes from this machine's own profile: auto:1.5 is 1.5 times the predicted
# idle latency of the most accurate variant (docs/simulation.md#deadline). Above 1, that
# variant meets it when the machine is idle; below 2, it misses it once stress-ng takes the
# CPU (with every core busy the contention formula halves its speed: 2x the idle latency),
# and 1.5 is the middle of that range, so static best is late under load, static fastest
# gives up accuracy, and the adaptive policies can keep both, whatever the host's speed.
DEADLINE=auto:1.5
echo "demo: 3/4 replaying $TRACE under six policies (30 fps, deadline $DEADLINE)"
for policy in static:variant=best static:variant=fastest greedy reactive adascale oracle; do
	"$BUILD/adascale" run --trace "$TRACE" --device "$OUT/host.ini" \
		--timings "$OUT/timings.csv" --model "$MODEL" --policy "$policy" \
		--workload periodic:fps=30 --deadline-ms "$DEADLINE" --seed 1 --tag demo \
		--detail timeline --db "$OUT/results.db"
done

echo "demo: 4/4 report"
"$BUILD/adascale" report --db "$OUT/results.db" --out "$OUT/report" >/dev/null
# The summary: the runs as a Markdown table (read from the database by sqlite3) and the
# verdict (adascale report --verdict), printed and kept in $OUT/summary.md, the block
# scripts/demo-readme.sh puts into README.md.
machine=$(sed -n 's/^soc = //p' "$OUT/host-info.ini" | head -n 1)
cores=$(sed -n 's/^cores = //p' "$OUT/host-info.ini" | head -n 1)
deadline=$(sqlite3 "$OUT/results.db" "SELECT printf('%.2f', deadline_ms) FROM runs LIMIT 1")
{
	echo "On ${machine:-this machine} (${cores:-?} cores), deadline $DEADLINE = $deadline ms:"
	echo
	sqlite3 -markdown "$OUT/results.db" "SELECT
		'\`' || policy || CASE WHEN policy = 'static' THEN ':' ||
			substr(policy_params, 1, instr(policy_params || ',', ',') - 1) ELSE '' END
			|| '\`' AS policy,
		printf('%.1f%%', ontime_top1) AS 'on-time top-1',
		printf('%.1f%%', 100.0 * miss_rate) AS 'missed',
		printf('%.1f%%', mean_top1) AS 'served top-1',
		printf('%.1f ms', lat_p95_ms) AS 'p95 latency',
		printf('%.1f mJ', energy_per_inf_mj) AS 'energy / inference'
		FROM runs ORDER BY id"
	echo
	echo '```'
	"$BUILD/adascale" report --db "$OUT/results.db" --verdict
	echo '```'
} > "$OUT/summary.md"
echo
grep -v '^```' "$OUT/summary.md"
echo
echo "demo: done. Results: $OUT/results.db"
echo "demo: report:  $(cd "$OUT/report" && pwd)/index.html"
