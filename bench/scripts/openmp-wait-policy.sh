#!/usr/bin/env bash
# Time the same small training (Dsno.ModelHost --numerics teacher: a digits teacher, then DSNO on its trajectories) under OpenMP's
# endless spin (OMP_WAIT_POLICY=ACTIVE), no spin (PASSIVE) and Dsno's default (GOMP_SPINCOUNT=30000, set by the loader), at 1 and
# 2 torch threads, alternating the settings so that all see the same load. Prints a markdown table.
# Usage: bench/scripts/openmp-wait-policy.sh [repeats] [steps]   (after dotnet build -c Release tests/Dsno.ModelHost)
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3}
steps=${2:-12}
host=tests/Dsno.ModelHost/bin/Release/net10.0/linux-x64/Dsno.ModelHost.dll
settings=(ACTIVE PASSIVE DEFAULT)
declare -A total
for ((r = 1; r <= repeats; r++)); do
  for threads in 1 2; do
    for setting in "${settings[@]}"; do
      start=$(date +%s.%N)
      if [[ $setting == DEFAULT ]]; then
        out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT dotnet "$host" --numerics teacher "$threads" "$steps" | grep '^teacher loss')
      else
        out=$(env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=$setting dotnet "$host" --numerics teacher "$threads" "$steps" | grep '^teacher loss')
      fi
      seconds=$(echo "$(date +%s.%N) - $start" | bc)
      echo "repeat $r, $threads thread(s), $setting: $seconds s  ($out)" >&2
      total[$threads,$setting]=$(echo "${total[$threads,$setting]:-0} + $seconds" | bc)
    done
  done
done
echo "| threads | OMP_WAIT_POLICY=ACTIVE (s) | PASSIVE (s) | Dsno's default, GOMP_SPINCOUNT=30000 (s) |"
echo "|---|---|---|---|"
for threads in 1 2; do
  row="| $threads |"
  for setting in "${settings[@]}"; do row="$row $(echo "scale=1; ${total[$threads,$setting]} / $repeats" | bc) |"; done
  echo "$row"
done
