#!/usr/bin/env bash
# Runs a command against a one-node Slurm cluster (controller and compute node on this machine), then takes the cluster down.
#
#   deploy/slurm/local-cluster.sh [--install] [--keep] -- COMMAND [ARGS...]
#
# Everything lives in a temporary folder: the munge key and socket, slurm.conf, state, spool and logs. munged, slurmctld and
# slurmd are started in the foreground as children of this script, COMMAND runs with SLURM_CONF pointing at the temporary
# slurm.conf (so sbatch, squeue, scancel and scontrol talk to this cluster), and on exit (also on Ctrl+C or TERM) every job
# is cancelled, the three daemons are stopped by process id and the folder is removed (--keep leaves it for reading the logs).
# The exit status is COMMAND's, or 70 when the cluster could not be brought up.
#
# --install: apt-get install slurm-wlm and munge when they are missing (Debian/Ubuntu, as root).
# Environment: DSNO_SLURM_PORT (default 16817) is slurmctld's port and the next one slurmd's; DSNO_SLURM_CPUS, DSNO_SLURM_MEMORY_MB
# override what `slurmd -C` detects.
#
# Settings that work in a VM or container without systemd or a writable cgroup tree: ProctrackType=proctrack/linuxproc (the
# process tree, not cgroups), TaskPlugin=task/none (no binding), no accounting storage, SelectType=select/cons_tres with CR_CPU
# (one array task per CPU even when a core has two hardware threads), and the node's real CPU count and memory from `slurmd -C`.
set -euo pipefail

install=0
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --install) install=1; shift ;;
    --keep) keep=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "local-cluster.sh: unknown option '$1' (usage: local-cluster.sh [--install] [--keep] -- COMMAND...)" >&2; exit 64 ;;
  esac
done
if [[ $# -eq 0 ]]; then
  echo "local-cluster.sh: give the command to run after '--'" >&2
  exit 64
fi

say() { echo "local-cluster: $*" >&2; }
fail() { say "$*"; exit 70; }

[[ $(id -u) -eq 0 ]] || fail "run as root: slurmd starts job steps as their owner and munged must own its key"
needed=(munged mungekey munge unmunge slurmctld slurmd slurmstepd sbatch squeue scancel scontrol sinfo)
missing() { for c in "${needed[@]}"; do command -v "$c" >/dev/null 2>&1 || echo "$c"; done; }
if [[ -n "$(missing)" ]]; then
  if [[ $install -eq 1 ]]; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    # The packages' own services (the system munged, slurmd, slurmctld) are not wanted: keep the installation from starting them.
    policy=/usr/sbin/policy-rc.d
    added_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; added_policy=1; fi
    ok=1
    timeout 300 apt-get update -qq >/dev/null || ok=0
    [[ $ok -eq 0 ]] || timeout 600 apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null || ok=0
    [[ $added_policy -eq 0 ]] || rm -f "$policy"
    [[ $ok -eq 1 ]] || fail "apt-get could not install slurm-wlm and munge (within 5 + 10 minutes)"
  fi
  [[ -z "$(missing)" ]] || fail "missing: $(missing | tr '\n' ' ')(install the Debian packages slurm-wlm and munge, or pass --install)"
fi

dir=$(mktemp -d /tmp/dsno-slurm.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 711 "$dir/munge"
port=${DSNO_SLURM_PORT:-16817}
node=dsno-local
host=$(hostname -s)

pids=()
stop_cluster() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if [[ -f "$dir/slurm.conf" ]] && [[ ${#pids[@]} -gt 1 ]]; then
    # Cancel whatever is still queued or running, and wait for the job steps to end before the daemons go.
    SLURM_CONF="$dir/slurm.conf" scancel --quiet --user="$(id -un)" 2>/dev/null
    for _ in $(seq 1 60); do
      [[ -z "$(SLURM_CONF="$dir/slurm.conf" squeue -h -o %i 2>/dev/null)" ]] && break
      sleep 0.5
    done
    # A job step's slurmstepd keeps a socket in the spool folder until it has reported the end of the step.
    for _ in $(seq 1 60); do
      [[ -z "$(find "$dir/spool" -type s 2>/dev/null)" ]] && break
      sleep 0.5
    done
  fi
  local i
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[i]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then say "process $pid did not stop on TERM; killing it"; kill -KILL "$pid" 2>/dev/null; fi
    wait "$pid" 2>/dev/null
  done
  if [[ -n "$(find "$dir/spool" -type s 2>/dev/null)" ]]; then
    say "warning: job steps still hold sockets in $dir/spool after the cluster stopped"
    [[ $status -ne 0 ]] || status=70
  fi
  if [[ $status -ne 0 && -d "$dir/log" ]]; then
    for f in "$dir"/log/*.log; do [[ -s "$f" ]] && { say "last lines of $f:"; tail -n 15 "$f" >&2; }; done
  fi
  if [[ $keep -eq 1 ]]; then say "kept $dir"; else rm -rf "$dir"; fi
  exit "$status"
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# munge: a fresh key and a private socket, so a system munged (if any) is neither needed nor touched.
mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
chmod 400 "$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
munged --foreground --force --socket="$socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" >>"$dir/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 40); do [[ -S "$socket" ]] && break; sleep 0.25; done
munge --socket="$socket" --no-input | unmunge --socket="$socket" >/dev/null || fail "munged does not answer on $socket"

# The node as slurmd sees it: CPUs, sockets, cores, threads, memory.
detected=$(slurmd -C | head -n 1)
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$detected"; }
cpus=${DSNO_SLURM_CPUS:-$(field CPUs)}
memory=${DSNO_SLURM_MEMORY_MB:-$(field RealMemory)}
[[ -n "$cpus" && -n "$memory" ]] || fail "could not read the node's CPUs and memory from 'slurmd -C': $detected"
# The socket/core/thread layout too, unless the CPU count was overridden (slurmd rejects a layout that does not add up to CPUs).
topology=""
if [[ -z "${DSNO_SLURM_CPUS:-}" ]]; then
  for f in Boards SocketsPerBoard CoresPerSocket ThreadsPerCore; do
    v=$(field "$f"); [[ -n "$v" ]] && topology+=" $f=$v"
  done
fi

cat >"$dir/slurm.conf" <<EOF
ClusterName=dsno-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MailProg=/bin/true
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus$topology RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -D -f "$SLURM_CONF" >>"$dir/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >>"$dir/log/slurmd.out" 2>&1 &
pids+=($!)

state=""
for _ in $(seq 1 120); do
  state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
  [[ "$state" == idle ]] && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a daemon (process $pid) exited while starting"; done
  sleep 0.5
done
[[ "$state" == idle ]] || fail "node $node is '${state:-unknown}' after 60 s, not idle: $(scontrol show node "$node" 2>&1 | grep -o 'Reason=.*' || true)"
say "up: node $node with $cpus CPUs and $memory MB, SLURM_CONF=$SLURM_CONF"

set +e
"$@"
status=$?
set -e
exit "$status"
