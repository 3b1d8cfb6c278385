#!/bin/sh
# scripts/agent-bundle.sh AGENT OUTDIR [LIBDIR...]: a folder to copy to a device: the
# cross-built agent, every shared library it needs (found by following the ELF NEEDED
# entries through LIBDIR..., then Debian's multiarch and cross folders), the dynamic loader
# they were built for, and agent.sh, which runs the agent through that loader with only
# those libraries. So a glibc agent from Debian's cross toolchain runs on an aarch64 Linux
# board and on Android (bionic; the loader is invoked explicitly), and nothing is installed
# on the device. `make agent-cross` calls it; docs/agent.md says how to use the folder.
set -eu

AGENT=${1:?usage: agent-bundle.sh AGENT OUTDIR [LIBDIR...]}
OUT=${2:?usage: agent-bundle.sh AGENT OUTDIR [LIBDIR...]}
shift 2
TRIPLET=${TRIPLET:-aarch64-linux-gnu}
READELF=${READELF:-$TRIPLET-readelf}
# the multiarch libc first: the arm64 libraries from the archive were built against it
SEARCH="$* /lib/$TRIPLET /usr/lib/$TRIPLET /usr/$TRIPLET/lib"

needed() {
	"$READELF" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

find_lib() {
	for d in $SEARCH; do
		if [ -e "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

command -v "$READELF" >/dev/null || { echo "agent-bundle: $READELF not found" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/lib"
cp "$AGENT" "$OUT/adascale-agent"

interp=$("$READELF" -l "$AGENT" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
loader=$(basename "$interp")
src=$(find_lib "$loader") || { echo "agent-bundle: no $loader in $SEARCH" >&2; exit 1; }
cp -L "$src" "$OUT/lib/$loader"

todo=$(needed "$AGENT")
while [ -n "$todo" ]; do
	next=""
	for lib in $todo; do
		[ -e "$OUT/lib/$lib" ] && continue
		src=$(find_lib "$lib") || { echo "agent-bundle: no $lib in $SEARCH" >&2; exit 1; }
		cp -L "$src" "$OUT/lib/$lib"
		next="$next $(needed "$OUT/lib/$lib")"
	done
	todo=$next
done

cat >"$OUT/agent.sh" <<EOF
#!/bin/sh
# Runs the bundled adascale-agent through its own loader and libraries: sh agent.sh VERB ...
d=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$d/lib/$loader" --library-path "\$d/lib" "\$d/adascale-agent" "\$@"
EOF
chmod 755 "$OUT/agent.sh" "$OUT/adascale-agent" "$OUT/lib/$loader"
echo "agent-bundle: $OUT: adascale-agent, $(ls "$OUT/lib" | wc -l) files in lib/" \
	"($(du -sh "$OUT" | cut -f1)), run with: sh agent.sh VERB"
