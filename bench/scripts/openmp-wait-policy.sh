#!/usr/bin/env bash
# Time the same small training (Dsno.ModelHost --numerics teacher: a digits teacher, then DSNO on its trajectories) under
# OpenMP's spinning wait (OMP_WAIT_POLICY=ACTIVE, libgomp's behaviour before Dsno chose PASSIVE) and Dsno's default (PASSIVE),
# at 1 and 2 torch threads, alternating the settings so that both see the same load. Prints a markdown table.
# Usage: bench/scripts/openmp-wait-policy.sh [repeats] [steps]   (after dotnet build -c Release tests/Dsno.ModelHost)
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3}
steps=${2:-12}
host=tests/Dsno.ModelHost/bin/Release/net10.0/linux-x64/Dsno.ModelHost.dll
declare -A total
for ((r = 1; r <= repeats; r++)); do
  for threads in 1 2; do
    for policy in ACTIVE PASSIVE; do
      start=$(date +%s.%N)
      out=$(OMP_WAIT_POLICY=$policy dotnet "$host" --numerics teacher "$threads" "$steps" | grep '^teacher loss')
      seconds=$(echo "$(date +%s.%N) - $start" | bc)
      echo "repeat $r, $threads thread(s), $policy: $seconds s  ($out)" >&2
      total[$threads,$policy]=$(echo "${total[$threads,$policy]:-0} + $seconds" | bc)
    done
  done
done
echo "| threads | OMP_WAIT_POLICY=ACTIVE (s) | PASSIVE, Dsno's default (s) | ACTIVE / PASSIVE |"
echo "|---|---|---|---|"
for threads in 1 2; do
  a=$(echo "scale=1; ${total[$threads,ACTIVE]} / $repeats" | bc)
  p=$(echo "scale=1; ${total[$threads,PASSIVE]} / $repeats" | bc)
  echo "| $threads | $a | $p | $(echo "scale=2; $a / $p" | bc) |"
done
