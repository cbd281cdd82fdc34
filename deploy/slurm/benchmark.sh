#!/usr/bin/env bash
# Times trajectory generation as a Slurm job array against one process, with the job scripts of this folder:
#
#   deploy/slurm/local-cluster.sh -- deploy/slurm/benchmark.sh OUT [TASKS] [RECORDS_PER_TASK]      (a one-node cluster here)
#   deploy/slurm/benchmark.sh OUT [TASKS] [RECORDS_PER_TASK]                    (on a cluster's login node; OUT on the shared filesystem)
#
# Trains a small digits teacher (16 channels, multipliers 1,2, one residual block per level; TEACHER=file.zip uses another), generates
# TASKS x RECORDS_PER_TASK trajectories (DDIM, 100 steps, shards of RECORDS_PER_TASK / 2, one thread per task) once in this process
# and once as an array of TASKS tasks, fits DSNO on the array's folder in a job that depends on the array (afterok), checks that the
# two folders hold the same bytes, and prints the timings. Defaults: 8 tasks of 256 records. DSNO names the command (default: dsno).
# Extra sbatch options (partition, account, --array throttle) go in SBATCH_* variables, e.g. SBATCH_PARTITION=cpu.
set -euo pipefail
out=${1:?usage: benchmark.sh OUT [TASKS] [RECORDS_PER_TASK]}
tasks=${2:-8}
per_task=${3:-256}
here=$(cd "$(dirname "$0")" && pwd)
read -r -a dsno <<<"${DSNO:-dsno}"
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
count=$((tasks * per_task))
shard=$((per_task / 2))
(( shard > 0 )) || { echo "benchmark.sh: RECORDS_PER_TASK must be at least 2" >&2; exit 2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
json_field() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2" | head -n 1 | awk '{ printf "%.1f", $1 }'; }

teacher=${TEACHER:-$out/teacher.zip}
if [[ ! -f $teacher ]]; then
  start=$(now)
  "${dsno[@]}" teacher --data digits --steps 300 --batch 64 --channels 16 --mult 1,2 --res-blocks 1 --seed 1 --threads 2 --out "$teacher" --quiet
  echo "teacher: $(since "$start") s"
fi
set_args=(--teacher "$teacher" --count "$count" --shard-size "$shard" --solver ddim --solver-steps 100 --seed 7 --threads 1)

rm -rf "$out/one-process" "$out/array"
start=$(now)
single=$("${dsno[@]}" trajectories "${set_args[@]}" --out "$out/one-process" --json)
single_wall=$(since "$start")

start=$(now)
array=$(sbatch --parsable --array="0-$((tasks - 1))" --output="$out/logs/generate-%A_%a.out" "$here/generate.sbatch" \
  "${set_args[@]}" --task-count "$tasks" --out "$out/array" --json)
array=${array%%;*}
fit=$(sbatch --parsable --dependency="afterok:$array" --output="$out/logs/fit-%j.out" "$here/fit.sbatch" "$out/array" \
  --teacher "$teacher" --steps 200 --batch 64 --seed 2 --threads 2 --out "$out/dsno.zip")
fit=${fit%%;*}
while [[ -n "$(squeue -h -j "$array" -o %i)" ]]; do sleep 0.5; done
array_wall=$(since "$start")
while [[ -n "$(squeue -h -j "$fit" -o %i)" ]]; do sleep 0.5; done
fit_wall=$(since "$start")

"${dsno[@]}" trajectories --check --out "$out/array"
same=yes
for f in "$out"/one-process/*.idv; do cmp -s "$f" "$out/array/$(basename "$f")" || same=no; done
[[ $(ls "$out"/array/*.idv | wc -l) -eq $(ls "$out"/one-process/*.idv | wc -l) ]] || same=no

echo
echo "records: $count in $((count / shard)) shards of $shard; DDIM 100 steps; one torch thread per process"
echo "one process:            $single_wall s wall, $(json_field recordsPerSecond "$single") records/s while generating"
echo "array of $tasks tasks:      $array_wall s from submission to the last task's end; fit job done $fit_wall s after submission"
echo "per task (records/s while generating, seconds generating):"
for log in "$out"/logs/generate-"$array"_*.out; do
  line=$(grep '^{' "$log" | tail -n 1)
  echo "  task $(sed -n 's/.*"index":\([0-9]*\).*/\1/p' <<<"$line"): $(json_field recordsPerSecond "$line") records/s, $(json_field seconds "$line") s"
done
echo "array folder byte-identical to the one-process folder: $same"
scontrol show job "$fit" | grep -o 'JobState=[A-Z]*' | head -n 1 | sed 's/^/fit job: /'
