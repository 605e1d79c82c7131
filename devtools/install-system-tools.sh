#!/usr/bin/env bash
# System packages that PyPI does not carry: buildah, to assemble the FROM
# scratch wasm image without a container daemon (tests), and wrk, the load
# generator (benchmark).
set -euo pipefail

missing=()
for tool in buildah wrk; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "install: apt-get install ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "install: ${missing[*]} is needed: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
