#!/usr/bin/env bash
# Runs the npm scripts it is given at once and fails if any failed. Lint and the TypeScript passes
# are each single-threaded: on two cores, together they take about half as long as one after
# another. Each script's output is printed whole when it ends, not interleaved.
set -u
pids=() logs=()
for script in "$@"; do
  logs+=("$(mktemp)")
  npm run --silent "$script" >"${logs[-1]}" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then result=passed; else result=FAILED status=1; fi
  cat "${logs[$i]}"
  rm -f "${logs[$i]}"
  echo "run-parallel.sh: npm run ${*:$((i + 1)):1} $result"
done
exit $status
