#!/bin/sh
# nightly.sh: the nightly regression run. Runs the standard suite (data/sweeps/nightly.ini)
# into one results database under tonight's tag (nightly-YYYY-MM-DD, UTC), compares it with
# the previous nightly tag in that database (adascale compare), renders the report of the
# night with the trends across nights, and exits with compare's status:
#   0  nothing regressed (or there is no earlier night to compare with)
#   1  a metric regressed beyond its tolerance (the table lists it first)
#   2  the night could not be judged: bad input, runs that failed, a report that failed
#   75 another nightly run holds the lock (nothing was done)
# Safe to run again the same day: the sweep keeps the runs the database already holds under
# tonight's tag (same configuration and seed) and runs only what is missing, so a second
# run gives the same comparison. Meant for cron: no terminal needed, absolute paths, one run
# at a time (flock). docs/reports.md has the cron line.
#
# Environment (all optional):
#   ADASCALE_BIN                 the adascale binary (default: <repo>/$ADASCALE_BUILD/adascale)
#   ADASCALE_BUILD               build folder under the repository (default: build)
#   ADASCALE_NIGHTLY_CONFIG      the sweep file (default: <repo>/data/sweeps/nightly.ini)
#   ADASCALE_NIGHTLY_DIR         where results.db, reports/ and the lock live
#                                (default: <repo>/out/nightly)
#   ADASCALE_NIGHTLY_TOLERANCE   tolerances for compare (default: <repo>/data/tolerances.ini)
#   ADASCALE_NIGHTLY_TAG         tonight's tag (default: nightly-$(date -u +%Y-%m-%d))
#   ADASCALE_NIGHTLY_JOBS        sweep --jobs (default: the sweep's, all usable cores)
set -u
umask 022
export LC_ALL=C
PATH=/usr/local/bin:/usr/bin:/bin${PATH:+:$PATH}
export PATH

say() { echo "nightly: $*"; }
die() { echo "nightly: $*" >&2; exit 2; }
# An absolute path for $1, relative to the directory the script was started from.
abs() { case $1 in /*) echo "$1" ;; *) echo "$START/$1" ;; esac; }

START=$(pwd -P)
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P) || die "cannot find the repository"
BIN=$(abs "${ADASCALE_BIN:-$ROOT/${ADASCALE_BUILD:-build}/adascale}")
CONFIG=$(abs "${ADASCALE_NIGHTLY_CONFIG:-$ROOT/data/sweeps/nightly.ini}")
DIR=$(abs "${ADASCALE_NIGHTLY_DIR:-$ROOT/out/nightly}")
TOLERANCE=$(abs "${ADASCALE_NIGHTLY_TOLERANCE:-$ROOT/data/tolerances.ini}")
TAG=${ADASCALE_NIGHTLY_TAG:-nightly-$(date -u +%Y-%m-%d)}
JOBS=${ADASCALE_NIGHTLY_JOBS:-}
DB=$DIR/results.db
TAG_RE='^nightly-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$'

echo "$TAG" | grep -q "$TAG_RE" || die "tag '$TAG' is not nightly-YYYY-MM-DD"
[ -x "$BIN" ] || die "$BIN: no adascale binary (build it with make, or set ADASCALE_BIN)"
[ -r "$CONFIG" ] || die "$CONFIG: cannot read the sweep file"
[ -r "$TOLERANCE" ] || die "$TOLERANCE: cannot read the tolerance file"
command -v flock >/dev/null 2>&1 || die "flock is missing (Debian: util-linux)"
command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is missing (Debian: sqlite3)"
"$BIN" sweep --help >/dev/null 2>&1 || die "$BIN has no sweep verb"
mkdir -p "$DIR/reports" || die "$DIR: cannot create"

# One nightly at a time: the lock is held by file descriptor 9 until the script exits.
exec 9>"$DIR/nightly.lock" || die "$DIR/nightly.lock: cannot open"
if ! flock -n 9; then
	echo "nightly: another nightly run holds $DIR/nightly.lock; nothing done" >&2
	exit 75
fi

# Sweep paths (traces/..., devices/...) are relative to the repository root.
cd "$ROOT" || die "$ROOT: cannot enter"
say "$(date -u +%Y-%m-%dT%H:%M:%SZ) tag $TAG, suite $CONFIG, database $DB"

# 1. the suite: runs already stored under tonight's tag are kept, the rest run.
set -- sweep "$CONFIG" --db "$DB" --tag "$TAG" --progress lines
[ -n "$JOBS" ] && set -- "$@" --jobs "$JOBS"
"$BIN" "$@"
sweep_status=$?
[ "$sweep_status" -eq 2 ] && die "the suite was not run: bad input (see above)"
[ "$sweep_status" -ne 0 ] && echo "nightly: some runs failed or the sweep stopped early" >&2

# 2. the previous night: the latest nightly tag before tonight's.
prev=$(sqlite3 -readonly "$DB" "SELECT DISTINCT tag FROM runs" | grep "$TAG_RE" | sort |
	awk -v t="$TAG" '$0 < t' | tail -n 1) || die "$DB: cannot list its tags"

OUT=$DIR/reports/$TAG
mkdir -p "$OUT" || die "$OUT: cannot create"
compare_status=0
if [ -n "$prev" ]; then
	say "comparing $prev (baseline) with $TAG (candidate)"
	"$BIN" compare --db "$DB" --baseline "$prev" --candidate "$TAG" \
		--tolerance "$TOLERANCE" > "$OUT/compare.md.tmp"
	compare_status=$?
	if [ "$compare_status" -le 1 ]; then
		mv "$OUT/compare.md.tmp" "$OUT/compare.md"
		"$BIN" compare --db "$DB" --baseline "$prev" --candidate "$TAG" \
			--tolerance "$TOLERANCE" --format json > "$OUT/compare.json.tmp" &&
			mv "$OUT/compare.json.tmp" "$OUT/compare.json"
		cat "$OUT/compare.md"
	else
		rm -f "$OUT/compare.md.tmp"
		echo "nightly: compare could not judge (see above)" >&2
	fi
else
	say "no nightly tag before $TAG in $DB: nothing to compare with"
	printf '# adascale compare: nothing to compare\n\nNo nightly tag before %s in the database.\n' \
		"$TAG" > "$OUT/compare.md"
	rm -f "$OUT/compare.json"
fi

# 3. the report of the night, with the trends of every night up to it.
"$BIN" report --db "$DB" --tag "$TAG" --out "$OUT"
report_status=$?
[ "$report_status" -ne 0 ] && echo "nightly: the report failed (see above)" >&2
ln -sfn "$TAG" "$DIR/reports/latest.tmp" && mv -T "$DIR/reports/latest.tmp" "$DIR/reports/latest"

if [ "$compare_status" -eq 1 ]; then
	say "REGRESSED: $OUT/compare.md"
	exit 1
fi
if [ "$compare_status" -ne 0 ] || [ "$sweep_status" -ne 0 ] || [ "$report_status" -ne 0 ]; then
	say "incomplete: the night could not be judged"
	exit 2
fi
say "no regression; report: $OUT/index.html"
exit 0
