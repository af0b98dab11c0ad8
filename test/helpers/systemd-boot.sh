#!/bin/bash
# Boots a real systemd as PID 1 of a private namespace set, for test/host/systemd.test.ts.
# Run as: unshare --pid --fork --mount --propagation private --uts --ipc --net systemd-boot.sh SCRATCH REPO
# Everything systemd and the test write lands in a tmpfs (an overlay over the host's /),
# so nothing touches the host; the namespaces vanish with PID 1 (`systemctl poweroff`).
set -euo pipefail
scratch="$1"
repo="$2"
mount -t tmpfs -o size=3g,mode=0755 simgate-systemd-test "$scratch"
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
root="$scratch/root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
# The overlay shows only the root file system, and /tmp and /run are fresh tmpfs above: a
# checkout on another mount, or under /tmp or /run (a CI clone there), is bound in, read-only.
repo_mount="$(findmnt -n -o TARGET -T "$repo")"
if [ "$repo_mount" != "/" ] || [[ "$repo" == /tmp/* ]] || [[ "$repo" == /run/* ]]; then
  mkdir -p "$root$repo"
  mount --rbind -o ro "$repo" "$root$repo"
fi
mkdir -p "$root/.oldroot"
cd "$root"
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot || true
# systemd's own messages (a unit's watchdog timeout, its failure) go to the journal, as on a host.
# container=other: systemd skips what only a real machine does (no getty, no udev trigger on /dev it cannot own).
# basic.target, not the host's default: the test starts simgate itself, and whatever else the
# host has installed (a modem daemon waiting for /dev/ttyS0, a getty) stays out of the boot.
exec env -i container=other PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --system --unit=basic.target
