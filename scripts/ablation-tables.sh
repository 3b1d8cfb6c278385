#!/bin/sh
# The ablation tables of docs/policies.md ("Ablation on a measured device"): runs
# data/sweeps/ablation.ini (180 runs, a few seconds) into OUT/ablation.db and prints, in
# Markdown, each mechanism's paired gain (adascale with everything on, minus adascale with
# that mechanism off, over the same five seeds) with its 95% interval from the database's
# policy_pairs view, then every configuration's on-time top-1 from config_summary.
# Usage: scripts/ablation-tables.sh BUILD_DIR [OUT_DIR]
set -eu
BUILD=${1:-build}
OUT=${2:-out/ablation}
mkdir -p "$OUT"
rm -f "$OUT/ablation.db"
"$BUILD/adascale" sweep data/sweeps/ablation.ini --db "$OUT/ablation.db" --jobs 2 >/dev/null 2>&1
DB=$OUT/ablation.db
scenario="replace(replace(replace(json_extract(scenario, '\$.trace'), 'tests/data/', ''), 'traces/', ''), '.csv', '')"
on="json_extract(P, '\$.forecast') = 1 AND json_extract(P, '\$.feedback') = 1 AND
	json_extract(P, '\$.switchcost') = 1 AND json_extract(P, '\$.pareto') = 1"
cpu=$(sed -n 's/^soc = //p' devices/epyc-kvm-2vcpu.ini | head -n 1)
echo "Each mechanism's gain: on-time top-1 (points) with it on minus with it off, mean over 5"
echo "seeds [95% interval of the paired difference]; misses saved (points). $(sqlite3 "$DB" \
	"SELECT count(*) FROM runs WHERE status = 'ok'") runs of data/sweeps/ablation.ini on"
echo "devices/epyc-kvm-2vcpu.ini ($cpu, measured), written by scripts/ablation-tables.sh."
echo
sqlite3 -markdown "$DB" "WITH p AS (SELECT *, $scenario AS sc,
	CASE WHEN json_extract(b_policy_params_json, '\$.forecast') = 0 THEN 'forecast'
	     WHEN json_extract(b_policy_params_json, '\$.feedback') = 0 THEN 'feedback'
	     WHEN json_extract(b_policy_params_json, '\$.switchcost') = 0 THEN 'switchcost'
	     WHEN json_extract(b_policy_params_json, '\$.pareto') = 0 THEN 'pareto' END AS off
	FROM policy_pairs WHERE a_policy = 'adascale' AND b_policy = 'adascale'
	AND $(echo "$on" | sed 's/P/a_policy_params_json/g'))
	SELECT off AS mechanism, sc AS scenario,
	printf('%+.2f [%+.2f, %+.2f]', ontime_top1_pct_diff,
		ontime_top1_pct_diff - ontime_top1_pct_diff_ci95,
		ontime_top1_pct_diff + ontime_top1_pct_diff_ci95) AS 'gain (points)',
	printf('%+.2f', -miss_pct_diff) AS 'misses saved (points)'
	FROM p ORDER BY CASE off WHEN 'forecast' THEN 1 WHEN 'feedback' THEN 2
		WHEN 'switchcost' THEN 3 ELSE 4 END, sc"
echo
echo "On-time top-1 (%), mean over 5 seeds ± the 95% interval's half-width (config_summary):"
echo
sqlite3 "$DB" "SELECT DISTINCT $scenario FROM config_summary ORDER BY 1" > "$OUT/scenarios"
cols=""
while read -r sc; do
	cols="$cols, max(CASE WHEN sc = '$sc' THEN printf('%.1f ± %.1f', ontime_top1_pct,
		ontime_top1_pct_ci95) END) AS '$sc'"
done < "$OUT/scenarios"
sqlite3 -markdown "$DB" "WITH c AS (SELECT *, $scenario AS sc,
	CASE WHEN policy <> 'adascale' THEN policy
	     WHEN $(echo "$on" | sed 's/P/policy_params_json/g') THEN 'adascale'
	     WHEN json_extract(policy_params_json, '\$.forecast') = 0 THEN 'adascale:forecast=0'
	     WHEN json_extract(policy_params_json, '\$.feedback') = 0 THEN 'adascale:feedback=0'
	     WHEN json_extract(policy_params_json, '\$.switchcost') = 0 THEN 'adascale:switchcost=0'
	     ELSE 'adascale:pareto=0' END AS pol FROM config_summary)
	SELECT '\`' || pol || '\`' AS policy $cols FROM c GROUP BY pol
	ORDER BY CASE WHEN pol = 'adascale' THEN 0 WHEN pol LIKE 'adascale%' THEN 1 ELSE 2 END, pol"
