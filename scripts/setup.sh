#!/usr/bin/env bash
# Everything hopssh's programs and tests need on a fresh Debian machine with Node:
# 1. OpenSSH (sshd, ssh, ssh-keygen), iproute2 and rsync (hopssh's `rsync -e` test) from apt when missing — as
#    root, or through passwordless sudo;
# 2. `npm ci` when node_modules is missing or older than package-lock.json.
# `npm start` and `npm test` run it first, so each is a one-command quick start.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# An executable regular file named $1 in $PATH, /usr/sbin or /sbin.
have() {
  local p
  for p in "$(type -P "$1" || true)" "/usr/sbin/$1" "/sbin/$1"; do
    if [ -n "$p" ] && [ -f "$p" ] && [ -x "$p" ]; then return 0; fi
  done
  return 1
}

if ! have sshd || ! have ssh || ! have ssh-keygen || ! have ip || ! have rsync; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      sudo=(unavailable)
    fi
  fi
  if [ "${sudo[0]:-}" = unavailable ]; then
    echo "setup: OpenSSH/iproute2/rsync missing and not root (no passwordless sudo): not installing; interop tests will fail under CI" >&2
  elif command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing openssh-server openssh-client iproute2 rsync" >&2
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openssh-server openssh-client iproute2 rsync
  else
    echo "setup: OpenSSH/iproute2/rsync missing and no apt-get: install them by hand" >&2
  fi
fi

# Install dependencies exactly as locked, unless node_modules is already current.
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi

