# Sourced by scripts/vm and scripts/vmtest: makes sure the test kernel, the
# guest init and the runner exist, and sets KERNEL, VMINIT, VMRUN, CACHE.
# shellcheck shell=bash
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${SCANOUT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scanout}
export SCANOUT_CACHE=$CACHE
if ! command -v qemu-system-x86_64 >/dev/null; then
  if [ "${SCANOUT_NO_APT:-}" = 1 ]; then
    echo "vm: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 1
  fi
  echo "vm: installing qemu-system-x86" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2; } ||
    { echo "vm: cannot install qemu-system-x86" >&2; exit 1; }
fi
KERNEL=$("$root/scripts/kernel/build") || { echo "vm: kernel build failed" >&2; exit 1; }
mkdir -p "$CACHE/bin"
VMINIT=$CACHE/bin/vminit
VMRUN=$CACHE/bin/vmrun
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$VMINIT" ./internal/vm/cmd/vminit &&
  CGO_ENABLED=0 go build -o "$VMRUN" ./internal/vm/cmd/vmrun) ||
  { echo "vm: building the VM runner failed" >&2; exit 1; }
