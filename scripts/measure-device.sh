#!/bin/sh
# Measures this machine into a device: OUT_DIR/NAME.ini and OUT_DIR/NAME/ with its
# in-model kernel timings (adascale profile), contention calibration (adascale-agent
# calibrate), idle-gap cadence idle and under load (adascale-agent cadence), switch costs (adascale-agent
# switchcost) and sensing (adascale-agent sense),
# each file's header naming the command, the host and the date. Run it on an otherwise idle
# machine: every measurement is disturbed by other work, and the profile flags what it could
# not measure steadily. Takes about ten minutes on two cores.
# The competing load of the calibration and the cadence takes the CPUs in LOAD_SHAPE
# (spread, the default, or packed: adascale-agent calibrate --load-shape); the files say
# which, and so does the device file's comment.
# The calibration times each pass after CALIB_GAP_MS of idle (default 0: back to back;
# adascale-agent calibrate --gap-ms), as a server at that cadence runs it.
# Usage: [LOAD_SHAPE=spread|packed] [CALIB_GAP_MS=MS] scripts/measure-device.sh BUILD_DIR OUT_DIR NAME [MODEL]
# (devices/epyc-kvm-2vcpu.ini: scripts/measure-device.sh build devices epyc-kvm-2vcpu)
set -eu
usage="usage: scripts/measure-device.sh BUILD_DIR OUT_DIR NAME [MODEL]"
BUILD=${1:?$usage}
OUTDIR=${2:?$usage}
NAME=${3:?$usage}
MODEL=${4:-mobilenet_v1}
SHAPE=${LOAD_SHAPE:-spread}
GAP=${CALIB_GAP_MS:-0}
case $SHAPE in spread|packed) ;; *) echo "measure: LOAD_SHAPE '$SHAPE' is neither spread nor packed" >&2; exit 2 ;; esac
DIR=$OUTDIR/$NAME
INI=$OUTDIR/$NAME.ini
mkdir -p "$DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "measure: 1/6 description (adascale-agent info)"
"$BUILD/adascale-agent" info > "$DIR/info.ini"

echo "measure: 2/6 sensing (adascale-agent sense, periods 20, 50, 100 ms)"
"$BUILD/adascale-agent" sense --periods 20,50,100 --steps 8 --quiet -o "$DIR/sensing.csv"

echo "measure: 3/6 $MODEL's kernels in whole passes (adascale profile)"
"$BUILD/adascale" profile "$MODEL" -o "$DIR/timings.csv"

echo "measure: 4/6 contention (adascale-agent calibrate: widths 0.5 and 1 at 224, fp32, load $SHAPE, each pass after $GAP ms idle)"
"$BUILD/adascale" profile "$MODEL" --pass-list \
	--variants "$MODEL:width=0.5,res=224,quant=fp32 $MODEL:width=1,res=224,quant=fp32" \
	-o "$tmp/calib-passes.csv"
cp "$tmp/calib-passes.csv" "$DIR/calibration-passes.csv"
"$BUILD/adascale-agent" calibrate "$DIR/calibration-passes.csv" --load-shape "$SHAPE" --gap-ms "$GAP" --quiet -o "$DIR/calibration.csv"

echo "measure: 5/6 idle gaps (adascale-agent cadence: the calibration's passes after gaps of 0 to 500 ms, idle and beside loads of 0.5 and 1)"
"$BUILD/adascale-agent" cadence "$DIR/calibration-passes.csv" --gaps 0,5,20,100,500 \
	--loads 0,0.5,1 --load-shape "$SHAPE" --rounds 25 --quiet -o "$DIR/cadence.csv"
echo "measure: 6/6 switch costs (adascale-agent switchcost, every variant)"
"$BUILD/adascale" profile "$MODEL" --pass-list -o "$DIR/passes.csv"
"$BUILD/adascale-agent" switchcost "$DIR/passes.csv" --quiet -o "$DIR/switch.csv"

# The device file: the agent's description, the measured files named, the sensing of the
# 100 ms row (the policies' sampling period), and what /proc and /sys cannot tell labelled
# assumed, with the values of devices/xeon-kvm-2vcpu.ini, whose comments say where they
# come from.
soc=$(sed -n 's/^soc = //p' "$DIR/info.ini" | head -n 1)
sense=$(awk -F, '!/^#/ && $1 == 100 && $3 > 0 {
	sd = $6 > $7 ? $6 : $7
	d = $4 < 0 ? 0 : $4    # a reading cannot come before its window: below 0 is noise
	printf "[sensing]\nperiod_ms = 100               ; assumed: the policy reads the state ten times a second\n"
	printf "delay_ms = %s\nutil_noise_sd = %s\n", d, sd
	printf "source = measured: adascale-agent sense --periods 20,50,100 --steps 8 (%s/sensing.csv, the 100 ms row: the delay median of %s steps, the larger load spread)\n", dir, $3
}' dir="$NAME" "$DIR/sensing.csv")
{
	echo "; $NAME: measured by scripts/measure-device.sh $BUILD $OUTDIR $NAME $MODEL on $(date -u +%Y-%m-%d)"
	echo "; ($soc, as adascale-agent info saw it: $NAME/info.ini). Measured here: the kernel"
	echo "; timings, the contention calibration, the idle-gap cadence, the switch costs and the"
	echo "; sensing (each file's header has its command; the competing load of the calibration"
	echo "; and the cadence taken $SHAPE, its # load_shape: line); assumed: energy (no power readings in a"
	echo "; guest), storage speed and init time where switch costs measured nothing."
	awk -v name="$NAME" -v dev="storage_read_mbps = 1000      ; assumed, used only where switch.csv has no row
init_ms = 5                   ; assumed, as storage_read_mbps
keep_built = 4                ; what adascale-agent serve keeps built (--keep-built, default 4)
base_power_mw = 0             ; not modelled: energy is inference energy only
energy_source = assumed: the coefficient of devices/xeon-kvm-2vcpu.ini (1923 uW/MHz/V^2: 5 W per busy core at 2600 MHz and 1.0 V) and 1.0 V
timings = $NAME/timings.csv
timings_source = measured
calibration = $NAME/calibration.csv
cadence = $NAME/cadence.csv
switch_costs = $NAME/switch.csv" \
	    -v cl="dyn_power_coeff = 1923        ; assumed, see energy_source
voltage_rule = const:1000     ; assumed 1.0 V: voltages not readable here" '
		/^; (timings|timings_source|storage_read_mbps|dyn_power_coeff|voltage_rule)/ { next }
		/^name = / { print "name = " name; next }
		{ print }
		/^\[device\]/ { print dev }
		/^\[cluster\./ { print cl }' "$DIR/info.ini"
	echo "$sense"
} > "$INI"
# the device file reads and checks (a one-second run on a constant trace, stored nowhere lasting)
printf 'time_s,freq_mhz\n0,%s\n1,%s\n' "$(sed -n 's/^opp = //p' "$INI" | head -n 1)" \
	"$(sed -n 's/^opp = //p' "$INI" | head -n 1)" > "$tmp/idle.csv"
"$BUILD/adascale" run --trace "$tmp/idle.csv" --device "$INI" --model "$MODEL" \
	--policy greedy --db "$tmp/check.db" >/dev/null
echo "measure: done: $INI and $DIR/"
