#!/bin/sh
# Measures more models on a device measured by scripts/measure-device.sh: for each MODEL,
# its kernels timed in its own whole passes (adascale profile MODEL) and its variants' switch
# costs (adascale-agent switchcost), into DEVICE_DIR/timings-MODEL.csv,
# DEVICE_DIR/passes-MODEL.csv and DEVICE_DIR/switch-MODEL.csv, and names them in the device
# file (`timings.MODEL =`, `switch_costs.MODEL =`, docs/formats.md) where it does not name
# them yet. Run it on an otherwise idle machine, on the machine the device describes.
# MODEL is a zoo name or a spec file; files and keys take its name without folder and ".csv".
# Usage: scripts/measure-models.sh BUILD_DIR DEVICE.ini MODEL...
# (devices/epyc-kvm-2vcpu.ini: scripts/measure-models.sh build devices/epyc-kvm-2vcpu.ini
#  mobilenet_v2 mobilenet_v3_large mobilenet_v3_small efficientnet_lite0 efficientnet_lite1
#  efficientnet_lite2 resnet18)
set -eu
usage="usage: scripts/measure-models.sh BUILD_DIR DEVICE.ini MODEL..."
BUILD=${1:?$usage}
INI=${2:?$usage}
shift 2
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
[ -r "$INI" ] || { echo "measure-models: $INI: cannot read the device file" >&2; exit 2; }
DIR=${INI%.ini}
NAME=$(basename "$DIR")
mkdir -p "$DIR"
for spec in "$@"; do
	m=$(basename "$spec" .csv)
	echo "measure-models: $m: kernels in whole passes (adascale profile)"
	"$BUILD/adascale" profile "$spec" -o "$DIR/timings-$m.csv"
	echo "measure-models: $m: switch costs (adascale-agent switchcost, every variant)"
	"$BUILD/adascale" profile "$spec" --pass-list -o "$DIR/passes-$m.csv"
	"$BUILD/adascale-agent" switchcost "$DIR/passes-$m.csv" --quiet -o "$DIR/switch-$m.csv"
	# the keys go after the last timings or switch_costs line of the device file
	for k in timings switch_costs; do
		f=$([ $k = timings ] && echo "timings-$m.csv" || echo "switch-$m.csv")
		grep -q "^$k\.$m *=" "$INI" && continue
		awk -v line="$k.$m = $NAME/$f" -v n="$(grep -nE '^(switch_costs|timings)(\.[^ =]+)? *=' "$INI" | tail -n 1 | cut -d: -f1)" '
			{ print } NR == n { print line }' "$INI" > "$INI.tmp" && mv "$INI.tmp" "$INI"
	done
done
# the device file reads and checks with every model (a one-second run each, stored nowhere)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'time_s,util_other\n0,0\n1,0\n' > "$tmp/idle.csv"
for spec in "$@"; do
	"$BUILD/adascale" run --trace "$tmp/idle.csv" --device "$INI" --model "$spec" \
		--policy greedy --db "$tmp/check.db" >/dev/null
done
echo "measure-models: done: $INI"
