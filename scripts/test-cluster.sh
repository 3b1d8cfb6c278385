#!/bin/sh
# make test-cluster: starts a one-node Slurm cluster on this machine (Debian's slurm-wlm and
# munge; slurmctld and slurmd bound to 127.0.0.1, munge on a socket in a temporary folder),
# sends data/sweeps/cluster-test.ini through scripts/slurm-sweep.sh as a job array of
# shards and a merge job, runs the same sweep locally, and checks that the merged database
# holds the same results (every deterministic column and detail row, and `adascale merge`
# of the two finding only identical duplicates). Installs the packages it needs (apt-get,
# as root or through sudo) and stops the daemons it started, whatever happens. Not part of
# `make test`. KEEP=1 keeps the temporary folder (configuration, logs, databases).
set -eu
BUILD=${1:-build}
SHARDS=${SHARDS:-3}
CONFIG=data/sweeps/cluster-test.ini
ADASCALE=$(pwd)/$BUILD/adascale
[ -x "$ADASCALE" ] || { echo "test-cluster: $ADASCALE: not built" >&2; exit 2; }

say() { echo "test-cluster: $*"; }

# ---- packages ----
need=""
for c in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge sqlite3:sqlite3; do
	command -v "${c%%:*}" > /dev/null 2>&1 || PATH=$PATH:/usr/sbin command -v "${c%%:*}" \
		> /dev/null 2>&1 || need="$need ${c#*:}"
done
if [ -n "$need" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	say "installing$need"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086 # $need is a list of packages
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need \
		> /dev/null
fi
PATH=$PATH:/usr/sbin

# ---- a private cluster in a temporary folder ----
T=$(mktemp -d /tmp/adascale-cluster.XXXXXX)
chmod 755 "$T"
pids=""
cleanup() {
	status=$?
	if [ -f "$T/slurm.conf" ] && [ -n "${jobs_started:-}" ]; then
		SLURM_CONF=$T/slurm.conf scancel --name=adascale-cluster-test \
			--name=adascale-cluster-test-merge > /dev/null 2>&1 || true
	fi
	for p in $pids; do kill "$p" 2> /dev/null || true; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2> /dev/null || true
	done
	if [ $status -ne 0 ]; then
		for f in "$T"/slurmctld.log "$T"/slurmd.log "$T"/munged.log "$T"/sweep/*.log; do
			[ -f "$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$f"; }
		done
	fi
	if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ports: the first pair of free ones from 16817 (not the default 6817, in case a real
# Slurm runs here)
port=16817
while ss -ltn 2> /dev/null | grep -q ":$port \|:$((port + 1)) "; do port=$((port + 2)); done

mungekey --create --keyfile="$T/munge.key" 2> /dev/null ||
	dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2> /dev/null
chmod 600 "$T/munge.key"
munged --foreground --force --socket="$T/munge.socket" --key-file="$T/munge.key" \
	--pid-file="$T/munged.pid" --log-file="$T/munged.log" --seed-file="$T/munged.seed" \
	> /dev/null 2>&1 &
pids="$pids $!"

user=$(id -un)
mkdir -p "$T/state" "$T/spool"
cat > "$T/slurm.conf" <<EOF
# a one-node test cluster of scripts/test-cluster.sh, on the loopback interface only
ClusterName=adascaletest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge.socket
SlurmUser=$user
SlurmdUser=root
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"

i=0
until [ -S "$T/munge.socket" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { say "munged did not start"; exit 1; }; sleep 0.1
done
slurmctld -D -f "$SLURM_CONF" > /dev/null 2>&1 &
pids="$pids $!"
slurmd -D -N localhost -f "$SLURM_CONF" > /dev/null 2>&1 &
pids="$pids $!"
i=0
until [ "$(sinfo -h -n localhost -o %T 2> /dev/null)" = idle ]; do
	i=$((i + 1)); [ $i -lt 300 ] || { say "the node did not come up"; exit 1; }; sleep 0.1
done
say "slurmctld and slurmd up on 127.0.0.1:$port-$((port + 1)) ($(sinfo -h -o '%D node, %c CPUs, partition %P'))"
if ss -ltn 2> /dev/null | grep -E ":($port|$((port + 1))) " | grep -qv '127.0.0.1:'; then
	say "a daemon listens beyond 127.0.0.1:"; ss -ltn | grep -E ":($port|$((port + 1))) "; exit 1
fi

# ---- the sweep through Slurm ----
jobs_started=1
ids=$(ADASCALE=$ADASCALE SWEEP_DIR=$T/sweep SWEEP_CPUS=1 sh scripts/slurm-sweep.sh "$CONFIG" \
	"$SHARDS" | tail -n 1)
array=${ids% *}
merge=${ids#* }
say "array job $array ($SHARDS shards), merge job $merge"
i=0
while squeue -h -j "$array,$merge" 2> /dev/null | grep -q .; do
	i=$((i + 1)); [ $i -lt 1200 ] || { say "the jobs did not finish in 10 minutes"; exit 1; }
	sleep 0.5
done
state=$(scontrol -o show job "$merge" | sed -n 's/.*JobState=\([A-Z_]*\).*ExitCode=\([0-9:]*\).*/\1 \2/p')
say "merge job: $state"
[ "$state" = "COMPLETED 0:0" ] || { cat "$T/sweep/merge.log"; exit 1; }
for s in $(seq 1 "$SHARDS"); do
	grep -h "^sweep cluster-test: .* runs (shard" "$T/sweep/shard-$s.log" | sed 's/^/  /'
done
grep -h "^merge \|^sweep " "$T/sweep/merge.log" | sed 's/^/  /'

# ---- the same sweep here, and the comparison ----
"$ADASCALE" sweep "$CONFIG" --db "$T/local.db" --jobs 2 --progress none | sed 's/^/  /'
dump() {
	cols=$(sqlite3 "$1" "SELECT group_concat('r.\"' || name || '\"', ', ') FROM
		pragma_table_info('runs') WHERE name NOT IN ('id', 'created_utc', 'wall_s',
		'decide_mean_us', 'decide_p99_us')")
	sqlite3 "$1" "SELECT $cols FROM runs r ORDER BY config_key, seed, tag"
	for t in latency_quantiles variant_use timeline requests; do
		sqlite3 "$1" "SELECT r.config_key, r.seed, d.* FROM $t d JOIN runs r ON r.id = d.run_id
			ORDER BY 1, 2, 4, 5" 2> /dev/null | cut -d'|' -f1,2,4-
	done
}
dump "$T/sweep/cluster-test.db" > "$T/cluster.txt"
dump "$T/local.db" > "$T/local.txt"
n=$(sqlite3 "$T/local.db" "SELECT count(*) FROM runs")
if ! cmp -s "$T/cluster.txt" "$T/local.txt"; then
	say "the merged database differs from the local sweep:"
	diff "$T/local.txt" "$T/cluster.txt" | head -n 20
	exit 1
fi
check=$("$ADASCALE" merge "$T/both.db" "$T/local.db" "$T/sweep/cluster-test.db")
echo "  $check"
case $check in
*"$n runs copied, $n identical duplicates"*) ;;
*) say "adascale merge did not find the two identical"; exit 1 ;;
esac
[ "$(sqlite3 "$T/sweep/cluster-test.db" 'PRAGMA integrity_check')" = ok ]
say "ok: the $n runs merged from $SHARDS Slurm shards equal the local sweep's ($(wc -l < "$T/local.txt") rows compared)"
