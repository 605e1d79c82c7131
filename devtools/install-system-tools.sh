#!/usr/bin/env bash
# System packages that PyPI does not carry, each installed only if missing,
# saying what it is for.
set -euo pipefail

# package:command:why
wanted=(
    "buildah:buildah:assembles the wasm OCI image for the deployment tests, without a daemon"
    "wrk:wrk:the benchmark's load generator"
    "chromium:chromium:the real browser the browser client is tested in"
    "chromium-driver:chromedriver:Chromium's driver, installed with it"
)

missing=()
for entry in "${wanted[@]}"; do
    IFS=: read -r package command why <<<"$entry"
    if ! command -v "$command" >/dev/null; then
        echo "install: $package: $why" >&2
        missing+=("$package")
    fi
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
