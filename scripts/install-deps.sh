#!/bin/sh
# Installs the Debian packages adascale builds and runs with, and only those that are
# missing. Prints one line and changes nothing when everything is present.
# `install-deps.sh fuzz` adds clang and its libFuzzer/sanitizer runtimes (`make fuzz`).
# `install-deps.sh valgrind` adds valgrind (`make valgrind`).
# `install-deps.sh chromium` adds Debian's chromium (`make browser-check`).
set -eu

PKGS="build-essential pkg-config git sqlite3 libsqlite3-dev libcsv-dev libopenblas-dev liblapacke-dev
libxnnpack-dev libpthreadpool-dev libinih-dev libcriterion-dev gnuplot-nox zlib1g-dev
dataset-fashion-mnist"
if [ "${1:-}" = fuzz ]; then
	PKGS="$PKGS clang libclang-rt-dev"
fi
if [ "${1:-}" = valgrind ]; then
	PKGS="$PKGS valgrind"
fi
if [ "${1:-}" = chromium ]; then
	PKGS="$PKGS chromium"
fi

# Installed for this machine's architecture (or arch-independent): a package installed only
# for another architecture (say arm64, for a cross build) does not count.
native=$(dpkg --print-architecture)
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status} ${Architecture}\n' "$p" 2>/dev/null |
		grep -Eq "^install ok installed ($native|all)\$"; then
		missing="$missing $p:$native"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) Debian packages present, nothing to install"
	exit 0
fi

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: not root and no sudo; install these packages:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
