#!/usr/bin/env bash
# Install the Debian packages xdc needs to build and test. Idempotent and
# silent when everything is present; uses sudo when not root.
set -euo pipefail

pkgs=(
    build-essential pkg-config
    librdkafka-dev libuv1-dev libjansson-dev libmicrohttpd-dev libzstd-dev
    zlib1g-dev liblz4-dev libsnappy-dev libpcre2-dev
    libcmocka-dev valgrind clang-format kcat
    libldns-dev knot dnsutils iproute2
)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh once before installing.
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
