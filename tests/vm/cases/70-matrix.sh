#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# aio-audit matrix on the guest's kernel (Debian's 6.1): ext4, XFS, btrfs,
# tmpfs and ext2 made on loop devices in the guest, fsqual's scenarios on
# each. The JSON goes to the results share as matrix-guest.json, where the
# host-side test vm.<kernel>.matrix-compare runs the same matrix on the host's kernel
# and compares the two (tests/vm/matrix-compare.sh).
# timeout: 900
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
require_subcommand matrix
# The loop driver and these file systems are modules in Debian's kernel,
# and the kernel's own module loading runs modprobe outside the chroot the
# cases run in (where there is none): load them here. ext4 serves ext2.
run modprobe -a loop ext4 xfs btrfs
out=/run/aio-vm/matrix-guest.json
rm -f "$out"
# Images in the guest's own /tmp (a tmpfs: the host's root is read-only).
rc=0
run "$AIO_AUDIT" matrix --json --fs ext4,xfs,btrfs,tmpfs,ext2 -e libaio,io_uring -n 16 --scratch /tmp -o "$out" || rc=$?
jq -r '.matrix.file_systems[] | "  \(.id): \(.elapsed_s * 10 | round / 10) s \(.error // "")"' "$out" || true
((rc == 0)) || fail "matrix exited $rc"

step "the document"
release=$(uname -r)
[[ $(jq -r .matrix.measured.kernel "$out") == "$release" ]] || fail "the document does not name kernel $release"
for f in ext4 xfs btrfs tmpfs ext2; do
	n=$(jq --arg f "$f" '[.matrix.file_systems[] | select(.id == $f) | .scenarios[]] | length' "$out")
	((n >= 18)) || fail "$f: $n scenarios, want 18 or more ($(jq -c --arg f "$f" '.matrix.file_systems[] | select(.id == $f) | {error, skipped}' "$out"))"
done

step "facts of this kernel"
cell() { # FS SCENARIO ENGINE -> the cell's dominant verdict
	jq -r --arg f "$1" --arg s "$2" --arg e "$3" \
		'.matrix.file_systems[] | select(.id == $f) | .scenarios[] | select(.id == $s) | .cells[] | select(.engine == $e) | .verdict' "$out"
}
# tmpfs gained O_DIRECT in 6.6 (a copy through the page cache: sync); before,
# the open is refused. Which one this kernel does is tried here, by hand, on
# a tmpfs of its own, and the matrix must agree.
mkdir -p /tmp/odirect-probe
mount -t tmpfs none /tmp/odirect-probe
if dd if=/dev/zero of=/tmp/odirect-probe/f bs=4096 count=1 oflag=direct status=none 2>/dev/null; then
	want=sync
else
	want=unsupported
fi
umount /tmp/odirect-probe
rmdir /tmp/odirect-probe
echo "  tmpfs O_DIRECT by hand on $release: $want"
[[ $(cell tmpfs direct/overwrite/block/q1 libaio) == "$want" ]] ||
	fail "tmpfs O_DIRECT on $release: matrix says $(cell tmpfs direct/overwrite/block/q1 libaio), by hand $want"
[[ $(cell tmpfs buffered/read/block/q1 libaio) == sync ]] || fail "tmpfs buffered read: $(cell tmpfs buffered/read/block/q1 libaio)"
[[ $(cell ext4 direct/append/block/q1 libaio) == blocking ]] || fail "ext4 O_DIRECT append: $(cell ext4 direct/append/block/q1 libaio)"

step "nothing left behind"
[[ -z $(ls -A /tmp | grep aio-audit-matrix || true) ]] || fail "scratch directory left in /tmp"
! grep -q aio-audit-matrix /proc/mounts || fail "a mount was left"
for b in /sys/block/loop*/loop/backing_file; do
	[[ -f $b ]] || continue
	! grep -q aio-audit-matrix "$b" || fail "a loop device was left: $b"
done
