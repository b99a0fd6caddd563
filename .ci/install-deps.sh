#!/usr/bin/env bash
# Installs what the integration tests need (etcd, Patroni, PostgreSQL from Debian/Ubuntu packages) and makes
# sure the packages' own services are not running: the tests start private clusters on free loopback ports,
# and a default etcd on 2379 or PostgreSQL on 5432 would only confuse someone reading the process list.
# Then restores, from NuGet and pinned, real PowerShell (the `PowerShell` dotnet tool in .config/dotnet-tools.json,
# run as `dotnet pwsh`) and Pester (tools/Pester/Pester.csproj). The PowerShell Gallery is never asked.
# Safe to run again; quiet on success, prints apt's/dotnet's output and fails on error.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql patroni etcd-server)

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

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
# pwsh and Pester, pinned, from NuGet (no root needed: they land in the NuGet package folder).
for step in "dotnet tool restore" "dotnet restore tools/Pester"; do
  if ! $step >"$log" 2>&1; then
    echo "install-deps: '$step' failed:" >&2
    cat "$log" >&2
    exit 1
  fi
done
pwsh_version=$(dotnet pwsh -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()')
pester_version=$(sed -n 's:.*<PesterVersion>\(.*\)</PesterVersion>.*:\1:p' tools/Pester/Pester.csproj)

echo "install-deps: etcd $(etcd --version | head -n1 | awk '{print $3}'), $(patroni --version), PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -n1), pwsh $pwsh_version, Pester $pester_version ready"
