#!/bin/sh
# slurm-sweep.sh CONFIG.ini N: runs a sweep on a Slurm cluster as a job array of N shards
# (`adascale sweep --shard I/N`, one database per shard) and a merge job that starts when
# the whole array is over (afterany): it merges the shards into one database
# (`adascale merge`, which refuses conflicting duplicates) and then resumes the sweep on
# the merged database, so that the runs of a shard that died are run there and the merged
# database ends complete. Prints the array's and the merge job's ids. docs/sweeps.md.
#
# The jobs start in the folder it was run from; the sweep file's paths are taken from the
# sweep file's own folder. Environment, all optional:
#   ADASCALE     the adascale binary (default: build/adascale)
#   SWEEP_DIR    shard databases, job scripts and logs (default: out/sweeps/NAME, NAME the
#                sweep file's name without .ini); on storage that every node sees
#   SWEEP_DB     the merged database (default: $SWEEP_DIR/NAME.db)
#   SWEEP_CPUS   cores per shard: sbatch --cpus-per-task and sweep --jobs (default 1)
#   SWEEP_ARGS   more options for every `adascale sweep` (e.g. "--tag n42 --timeout-s 600")
#   SBATCH_ARGS  more options for both sbatch calls (e.g. "--partition=cpu --time=2:00:00")
#   SBATCH       the sbatch command (default: sbatch)
set -eu

usage() {
	echo "usage: scripts/slurm-sweep.sh CONFIG.ini N   (environment: see the script's header)" >&2
	exit 2
}
[ $# -eq 2 ] || usage
CONFIG=$1
N=$2
case $N in '' | *[!0-9]*) usage ;; esac
[ "$N" -ge 1 ] || usage
[ -f "$CONFIG" ] || { echo "slurm-sweep: $CONFIG: no such file" >&2; exit 2; }

# absolute paths: the jobs may start elsewhere than this shell
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$(pwd)/$1" ;; esac; }
# quotes a word for the job scripts
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

NAME=$(basename "$CONFIG" .ini)
ADASCALE=$(abspath "${ADASCALE:-build/adascale}")
SWEEP_DIR=$(abspath "${SWEEP_DIR:-out/sweeps/$NAME}")
SWEEP_DB=$(abspath "${SWEEP_DB:-$SWEEP_DIR/$NAME.db}")
SWEEP_CPUS=${SWEEP_CPUS:-1}
SWEEP_ARGS=${SWEEP_ARGS:-}
SBATCH_ARGS=${SBATCH_ARGS:-}
SBATCH=${SBATCH:-sbatch}
[ -x "$ADASCALE" ] || { echo "slurm-sweep: $ADASCALE: not built (make)" >&2; exit 2; }

# check the sweep file here, before anything is written or queued (a bad file: file:line)
# shellcheck disable=SC2086 # SWEEP_ARGS is a list of options
plan=$("$ADASCALE" sweep "$CONFIG" --dry-run $SWEEP_ARGS) || exit 2
printf '%s\n' "$plan" | tail -n 1
mkdir -p "$SWEEP_DIR"

CWD=$(pwd)
cat > "$SWEEP_DIR/shard.sh" <<EOF
#!/bin/sh
# one shard of sweep $NAME (written by scripts/slurm-sweep.sh)
cd $(q "$CWD") || exit 1
exec $(q "$ADASCALE") sweep $(q "$CONFIG") --db $(q "$SWEEP_DIR")/shard-\$SLURM_ARRAY_TASK_ID.db \\
	--shard \$SLURM_ARRAY_TASK_ID/$N --jobs $SWEEP_CPUS --progress lines --progress-s 60 $SWEEP_ARGS
EOF
cat > "$SWEEP_DIR/merge.sh" <<EOF
#!/bin/sh
# merges the shards of sweep $NAME, then runs what they left out (scripts/slurm-sweep.sh)
cd $(q "$CWD") || exit 1
set --
i=1
while [ \$i -le $N ]; do
	f=$(q "$SWEEP_DIR")/shard-\$i.db
	if [ -f "\$f" ]; then set -- "\$@" "\$f"; else echo "merge: shard \$i wrote no database" >&2; fi
	i=\$((i + 1))
done
if [ \$# -gt 0 ]; then $(q "$ADASCALE") merge $(q "$SWEEP_DB") "\$@" || exit \$?; fi
exec $(q "$ADASCALE") sweep $(q "$CONFIG") --db $(q "$SWEEP_DB") --jobs $SWEEP_CPUS --skip-failed \\
	--progress lines --progress-s 60 $SWEEP_ARGS
EOF

# shellcheck disable=SC2086 # SBATCH_ARGS is a list of options
array=$($SBATCH --parsable --array=1-"$N" --cpus-per-task="$SWEEP_CPUS" \
	--job-name="adascale-$NAME" --output="$SWEEP_DIR/shard-%a.log" $SBATCH_ARGS \
	"$SWEEP_DIR/shard.sh" | cut -d';' -f1)
# shellcheck disable=SC2086
merge=$($SBATCH --parsable --dependency=afterany:"$array" --cpus-per-task="$SWEEP_CPUS" \
	--job-name="adascale-$NAME-merge" --output="$SWEEP_DIR/merge.log" $SBATCH_ARGS \
	"$SWEEP_DIR/merge.sh" | cut -d';' -f1)
echo "slurm-sweep: $NAME: array job $array ($N shards), merge job $merge -> $SWEEP_DB"
echo "$array $merge"
