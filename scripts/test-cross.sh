#!/bin/sh
# scripts/test-cross.sh AGENT [LIBDIR [BUNDLE]]: `make test-cross`. Runs a cross-built agent (aarch64)
# under qemu-user with the arm64 sysroot of Debian's cross toolchain: `info` must describe
# the machine as a device INI skeleton, and `profile` of a small kernel list must time every
# row at 1 and 2 threads (int8 rows on XNNPACK when the agent has it, else skipped with a
# reason). LIBDIR holds the arm64 XNNPACK libraries unpacked by install-cross-deps.sh.
# BUNDLE (scripts/agent-bundle.sh) must run `info` through its own loader with nothing but
# its own libraries, as it would on a phone.
#
# The loader and libc must come from one glibc. The multiarch arm64 libraries pull in
# libc6:arm64 (/lib/ld-linux-aarch64.so.1 and /lib/aarch64-linux-gnu), which can be newer
# than the cross toolchain's copy in /usr/aarch64-linux-gnu; with `-L /usr/aarch64-linux-gnu`
# qemu takes the loader from there and libc.so.6 from the multiarch path, and the first
# pthread_create loops forever (seen with 2.36-8cross1 against 2.36-9+deb12u14). So when the
# multiarch loader is there the agent runs without -L; else with -L SYSROOT.
# Exit 0 and one summary line when everything holds; otherwise the failing check and 1.
set -eu

AGENT=${1:?usage: test-cross.sh AGENT [LIBDIR [BUNDLE]]}
LIBDIR=${2:-}
BUNDLE=${3:-}
if [ -z "${SYSROOT:-}" ] && [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
	SYSROOT=/usr/aarch64-linux-gnu
fi
SYSROOT=${SYSROOT:-}
QEMU=${QEMU:-qemu-aarch64}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "test-cross: FAIL: $*" >&2
	exit 1
}

command -v "$QEMU" >/dev/null || fail "$QEMU not found (scripts/install-cross-deps.sh installs qemu-user)"
[ -x "$AGENT" ] || fail "$AGENT: no such executable (make agent-cross)"
file -L "$AGENT" 2>/dev/null | grep -q "ARM aarch64" || fail "$AGENT is not an aarch64 executable"

run() {
	set -- ${LIBDIR:+-E "LD_LIBRARY_PATH=$LIBDIR"} "$AGENT" "$@"
	[ -n "$SYSROOT" ] && set -- -L "$SYSROOT" "$@"
	timeout 300 "$QEMU" "$@"
}

run --version >"$TMP/version" || fail "--version under qemu"
grep -q '^adascale-agent ' "$TMP/version" || fail "--version printed: $(cat "$TMP/version")"

run info -o "$TMP/info.ini" || fail "info under qemu"
grep -q '^\[device\]' "$TMP/info.ini" || fail "info: no [device] section"
grep -q '^\[cluster\.0\]' "$TMP/info.ini" || fail "info: no [cluster.0] section"
grep -q '^memory_mb = [1-9]' "$TMP/info.ini" || fail "info: no memory_mb"

cat >"$TMP/kernels.csv" <<EOF
op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype
conv,16,16,8,16,3,2,1,fp32
conv,8,8,16,32,1,1,1,fp32
dwconv,8,8,32,32,3,1,32,fp32
avgpool,4,4,32,32,4,4,1,fp32
fc,1,1,32,10,1,1,1,fp32
conv,8,8,16,32,1,1,1,int8
dwconv,8,8,32,32,3,1,32,int8
EOF
run profile "$TMP/kernels.csv" --threads 1,2 --warmup 1 --warmup-ms 0 --min-runs 3 \
	--ramp-ms 0 --max-seconds 0.05 --quiet -o "$TMP/timings.csv" 2>"$TMP/profile.err" ||
	fail "profile under qemu: $(cat "$TMP/profile.err")"
rows=$(grep -v '^#' "$TMP/timings.csv" | tail -n +2 | wc -l)
# --backend auto: XNNPACK for every row where the agent has it, OpenBLAS for fp32 otherwise
fp32_ob=$(grep -v '^#' "$TMP/timings.csv" | grep -c ',fp32,[12],openblas,' || true)
fp32_xnn=$(grep -v '^#' "$TMP/timings.csv" | grep -c ',fp32,[12],xnnpack,' || true)
int8=$(grep -v '^#' "$TMP/timings.csv" | grep -c ',int8,[12],xnnpack,' || true)
if grep -q 'built without XNNPACK' "$TMP/timings.csv"; then
	[ "$fp32_ob" -eq 10 ] ||
		fail "profile: $fp32_ob fp32 rows on openblas, want 10 (5 kernels x 2 thread counts)"
	[ "$int8" -eq 0 ] || fail "profile: int8 rows from an agent without XNNPACK"
	xnn="without XNNPACK (fp32 rows on OpenBLAS, int8 rows skipped with a reason)"
else
	[ "$fp32_xnn" -eq 10 ] ||
		fail "profile: $fp32_xnn fp32 rows on xnnpack, want 10 (5 kernels x 2 thread counts)"
	[ "$int8" -eq 4 ] || fail "profile: $int8 int8 rows on xnnpack, want 4"
	xnn="with XNNPACK (every row on XNNPACK)"
fi
awk -F, '!/^#/ && NR > 1 && $1 != "op" && !($12 > 0 && $15 >= 1) { bad = 1 } END { exit bad }' \
	"$TMP/timings.csv" || fail "profile: a row without a positive median or runs"
bundled=""
if [ -n "$BUNDLE" ]; then
	[ -x "$BUNDLE/agent.sh" ] || fail "$BUNDLE/agent.sh: no bundle (make agent-cross)"
	loader=$(ls "$BUNDLE/lib" | grep '^ld-linux')
	abs=$(cd "$BUNDLE" && pwd)
	timeout 300 "$QEMU" -E LD_DEBUG=libs "$abs/lib/$loader" --library-path "$abs/lib" \
		"$abs/adascale-agent" info -o "$TMP/bundle.ini" 2>"$TMP/bundle.err" ||
		fail "the bundle's info under qemu: $(tail -3 "$TMP/bundle.err")"
	grep -q '^\[cluster\.0\]' "$TMP/bundle.ini" || fail "the bundle's info: no [cluster.0]"
	outside=$(sed -n 's/.*calling init: //p' "$TMP/bundle.err" | grep -v "^$abs/lib/" || true)
	[ -z "$outside" ] || fail "the bundle loaded libraries from outside it: $outside"
	bundled="; the bundle ($(ls "$BUNDLE/lib" | wc -l) libraries) runs on its own loader"
fi
echo "test-cross: ok: $(file -bL "$AGENT" | cut -d, -f1-2) agent under $QEMU${SYSROOT:+ -L $SYSROOT}" \
	"$xnn: info and profile ($rows timings at 1 and 2 threads)$bundled"
