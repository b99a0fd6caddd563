#!/usr/bin/env bash
# Installs what the integration tests need (etcd, Patroni, PostgreSQL from Debian/Ubuntu packages) and makes
# sure the packages' own services are not running: the tests start private clusters on free loopback ports,
# and a default etcd on 2379 or PostgreSQL on 5432 would only confuse someone reading the process list.
# Safe to run again; quiet on success, prints apt's output and fails on error.
set -euo pipefail

packages=(postgresql patroni etcd-server)

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive

log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {
  if ! "${sudo[@]}" "$@" >"$log" 2>&1; then
    echo "install-deps: '$*' failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  run apt-get update -q
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

systemd_running() { [ -d /run/systemd/system ]; }

# Stop and disable one packaged service, whichever init system is in charge.
quiesce() {
  local svc=$1
  if systemd_running; then
    "${sudo[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$svc" ]; then
    "${sudo[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    command -v update-rc.d >/dev/null && "${sudo[@]}" update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
}

quiesce etcd
quiesce patroni
quiesce postgresql

# The postgresql package creates a default cluster (15/main on 5432): stop every such cluster and keep it
# from starting with the machine.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version name _port status _rest; do
    if [[ "$status" == online* ]]; then
      "${sudo[@]}" pg_ctlcluster "$version" "$name" stop -m fast >/dev/null 2>&1 || true
    fi
    conf="/etc/postgresql/$version/$name/start.conf"
    if [ -f "$conf" ] && ! grep -qx manual "$conf"; then
      echo manual | "${sudo[@]}" tee "$conf" >/dev/null
    fi
  done
fi

# Fail loudly when anything is still missing or a packaged etcd still owns its default port.
for bin in etcd patroni; do
  command -v "$bin" >/dev/null || { echo "install-deps: '$bin' is still missing" >&2; exit 1; }
done
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { echo "install-deps: no PostgreSQL server binary" >&2; exit 1; }
if pgrep -x etcd -u etcd >/dev/null 2>&1; then
  echo "install-deps: the packaged etcd service is still running (user etcd); stop it" >&2
  exit 1
fi
echo "install-deps: etcd $(etcd --version | head -n1 | awk '{print $3}'), $(patroni --version), PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -n1) ready"
