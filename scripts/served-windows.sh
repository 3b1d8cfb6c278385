#!/bin/sh
# A served file's requests by the time they arrived: per window of W seconds (default 2),
# how many finished, their mean and median service time (start to end, ms), and the
# variants and thread counts they ran. docs/validation.md reads the served runs of `make
# validate` with it, beside the trace's load at the same times.
# Usage: scripts/served-windows.sh SERVED.csv [W]
set -eu
usage="usage: scripts/served-windows.sh SERVED.csv [WINDOW_S]"
F=${1:?$usage}
W=${2:-2}
[ -r "$F" ] || { echo "served-windows: $F: cannot read" >&2; exit 2; }
grep -q '^seq,arrival_ms,start_ms,end_ms,variant,threads' "$F" ||
	{ echo "served-windows: $F: no served header (seq,arrival_ms,start_ms,end_ms,variant,threads,...)" >&2; exit 2; }
grep -v '^#' "$F" | awk -F, -v w="$W" '
	NR == 1 { next }
	$4 == "" { next }
	{
		# a quoted variant key holds commas: the thread count is the field after its closing quote
		for (i = 5; i <= NF && $i !~ /"$/; i++) ;
		threads = $(i + 1)
		k = int($2 / 1000 / w)
		n[k]++; s[k] += $4 - $3; x[k, n[k]] = $4 - $3
		if (!(k SUBSEP threads in seen)) { seen[k, threads] = 1; th[k] = th[k] (th[k] == "" ? "" : "/") threads }
		if (k > last) last = k
	}
	END {
		printf "%8s %6s %9s %9s %s\n", "from_s", "served", "mean_ms", "p50_ms", "threads"
		for (k = 0; k <= last; k++) {
			if (!n[k]) continue
			# the median by insertion sort: a window holds tens of requests
			for (i = 2; i <= n[k]; i++) { v = x[k, i]; for (j = i - 1; j >= 1 && x[k, j] > v; j--) x[k, j + 1] = x[k, j]; x[k, j + 1] = v }
			m = n[k] % 2 ? x[k, (n[k] + 1) / 2] : (x[k, n[k] / 2] + x[k, n[k] / 2 + 1]) / 2
			printf "%8.1f %6d %9.2f %9.2f %s\n", k * w, n[k], s[k] / n[k], m, th[k]
		}
	}'
