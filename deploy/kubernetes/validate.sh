#!/usr/bin/env bash
# Validates the manifests of this folder (see validate.mjs): installs pinned npm packages into a temporary folder, runs the checks,
# removes the folder. Needs node and npm. Usage: deploy/kubernetes/validate.sh [FILE.yaml...] (default: every .yaml file here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ $# -gt 0 ]]; then files=("$@"); else files=("$here"/*.yaml); fi
for i in "${!files[@]}"; do files[i]=$(cd "$(dirname "${files[i]}")" && pwd)/$(basename "${files[i]}"); done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/validate.mjs" "$work/"
cd "$work"
printf '{ "private": true, "type": "module" }\n' >package.json
timeout 300 npm install --silent --no-audit --no-fund --no-save \
  kubernetes-models@5.1.0 kubernetes-types@1.30.0 yaml@2.9.1 typescript@5.9.3 >/dev/null
node validate.mjs "${files[@]}"
