#!/bin/sh
# scripts/install-cross-deps.sh [XNNPACK_ROOT]: what `make agent-cross` and `make test-cross`
# need on Debian (bookworm): the aarch64 cross compiler, qemu-user to run its output, and
# the arm64 builds of the agent's libraries from Debian's multiarch archive
# (dpkg --add-architecture arm64). Only missing packages are installed; one line and no
# change when all are present. The main build and `make test` need none of this.
#
# libopenblas, libcsv, libcpuinfo and libinih (serve reads device files) are Multi-Arch: same and install next to the native
# ones. libxnnpack0/-dev and libpthreadpool0/-dev are not (no Multi-Arch field in
# bookworm): installing their arm64 builds would remove the native XNNPACK the main build
# needs. So they are fetched with `apt-get download` and unpacked (dpkg-deb -x) into
# XNNPACK_ROOT (default build-aarch64-linux-gnu/arm64-root), which `make agent-cross` links against and
# `make test-cross` puts on qemu's LD_LIBRARY_PATH. Without them the agent is built with
# OpenBLAS only (AGENT_XNNPACK=0).
set -eu

ARCH=arm64
TRIPLET=aarch64-linux-gnu
ROOT=${1:-build-aarch64-linux-gnu/arm64-root}
TOOLS="gcc-$TRIPLET libc6-dev-$ARCH-cross qemu-user"
LIBS="libopenblas-dev:$ARCH libcsv-dev:$ARCH libcpuinfo0:$ARCH libinih-dev:$ARCH"
UNPACK="libxnnpack0 libxnnpack-dev libpthreadpool0 libpthreadpool-dev"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "cross-deps: not root and no sudo; as root run: dpkg --add-architecture $ARCH;" \
			"apt-get update; apt-get install $TOOLS $LIBS" >&2
		exit 1
	fi
fi

missing=""
for p in $TOOLS $LIBS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
have_xnn=0
[ -e "$ROOT/usr/lib/$TRIPLET/libXNNPACK.so" ] && [ -e "$ROOT/usr/lib/$TRIPLET/libpthreadpool.so" ] &&
	have_xnn=1
if [ -z "$missing" ] && [ "$have_xnn" = 1 ]; then
	echo "cross-deps: all $(echo $TOOLS $LIBS | wc -w) packages present and XNNPACK for $ARCH" \
		"in $ROOT, nothing to install"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
	echo "cross-deps: adding the $ARCH architecture (dpkg --add-architecture $ARCH)"
	$SUDO dpkg --add-architecture "$ARCH"
	$SUDO apt-get update -qq
fi
if [ -n "$missing" ]; then
	echo "cross-deps: installing$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ "$have_xnn" = 0 ]; then
	echo "cross-deps: unpacking the $ARCH builds of $UNPACK into $ROOT (not installed: they" \
		"would replace the native ones)"
	dl=$(mktemp -d)
	ok=1
	for p in $UNPACK; do
		(cd "$dl" && apt-get download -qq "$p:$ARCH") || ok=0
	done
	if [ "$ok" = 1 ]; then
		mkdir -p "$ROOT"
		for deb in "$dl"/*.deb; do
			dpkg-deb -x "$deb" "$ROOT"
		done
	else
		echo "cross-deps: XNNPACK for $ARCH could not be fetched; make agent-cross builds" \
			"the agent with OpenBLAS only (AGENT_XNNPACK=0)" >&2
	fi
	rm -rf "$dl"
fi
