#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of the vm tier (the ctest vm.NAME.boot): boots one guest kernel
# once under qemu, runs every guest case in that one boot, and leaves per-case
# results in AIO_VM_RESULTS, which case-result.sh turns into one ctest each.
#
#   run-vm.sh VM_ENV
#
# VM_ENV is written by tests/vm/CMakeLists.txt, one per guest kernel (its
# name and release, paths of the kernel, initramfs, module, programs).
# Environment knobs:
#   AIO_AUDIT_GUEST_KERNELS  kernel names to boot, e.g. "6.12-rt" or "6.1,6.12"
#                       (default: every kernel the build was configured with)
#   AIO_VM_CASES        case names or globs to run (default: all), e.g. "2*"
#   AIO_AUDIT_VM_ACCEL  auto (default), kvm or tcg
#   AIO_VM_TIMEOUT      seconds for the whole boot (default 2400)
#   AIO_VM_APPEND       extra kernel command line
#   AIO_VM_CYCLES       load/unload cycles of 90-load-cycles (default 100)
#   AIO_VM_MONITOR      a path: qemu's monitor listens there (a hung guest's
#                       registers: socat - UNIX-CONNECT:PATH, "info registers -a")
# A guest that dies of an emulator fault (impossible-cpu-state.sh) is booted
# once more for the cases from the one it hit on.
# Exit: 0 the guest ran to the end, 1 it did not, 77 the tier cannot run on
# this machine (when CI is set, that is a failure: CI installs everything).
set -euo pipefail
# shellcheck source=/dev/null
source "$1"
here=$(cd "$(dirname "$0")" && pwd)
results=$AIO_VM_RESULTS

rm -rf "$results"
mkdir -p "$results/cases"

harness() {
	echo "$*" >"$results/harness.status"
}

cannot_run() {
	echo "vm tier: cannot run: $*" >&2
	if [[ -n ${CI:-} ]]; then
		harness "failed: $*"
		exit 1
	fi
	harness "skipped: $* (scripts/install-deps.sh vm installs what the tier needs)"
	exit 77
}

if [[ -n ${AIO_AUDIT_GUEST_KERNELS:-} ]]; then
	selected=
	for k in ${AIO_AUDIT_GUEST_KERNELS//,/ }; do
		[[ $k == "$AIO_VM_NAME" || $k == "$AIO_VM_KVER" ]] && selected=1
	done
	if [[ -z $selected ]]; then
		harness "skipped: kernel $AIO_VM_NAME not selected by AIO_AUDIT_GUEST_KERNELS=$AIO_AUDIT_GUEST_KERNELS"
		echo "vm tier: $(cat "$results/harness.status")"
		exit 77
	fi
fi

[[ -n $AIO_VM_KVER ]] || cannot_run "kernel $AIO_VM_NAME is not installed (scripts/install-deps.sh vm)"
command -v qemu-system-x86_64 >/dev/null || cannot_run "no qemu-system-x86_64"
for f in "$AIO_VM_VMLINUX" "$AIO_VM_INITRAMFS" "$AIO_VM_KO" "$AIO_VM_GADGET_CHECK" "$AIO_VM_BATCH_SUBMIT"; do
	[[ -f $f ]] || cannot_run "$f is missing (not built: no kernel $AIO_VM_KVER or its headers?)"
done

# The cases, in name order, narrowed by AIO_VM_CASES.
cases=()
for c in "$AIO_VM_SRC"/tests/vm/cases/*.sh; do
	name=$(basename "$c" .sh)
	if [[ -n ${AIO_VM_CASES:-} ]]; then
		keep=
		for pat in $AIO_VM_CASES; do
			# shellcheck disable=SC2053
			[[ $name == $pat ]] && keep=1
		done
		[[ -n $keep ]] || continue
	fi
	cases+=("$c")
	echo "$name" >>"$results/selected"
done

write_env() { # DIR CASES...
	local dir=$1
	shift
	cat >"$dir/guest.env" <<EOF
AIO_VM_RUNNER=$here/guest/runner.sh
AIO_VM_SRC=$AIO_VM_SRC
AIO_VM_BUILD=$AIO_VM_BUILD
AIO_VM_KO=$AIO_VM_KO
AIO_VM_BTF_STATUS=$AIO_VM_BTF_STATUS
AIO_VM_GADGET_CHECK=$AIO_VM_GADGET_CHECK
AIO_VM_BATCH_SUBMIT=$AIO_VM_BATCH_SUBMIT
AIO_AUDIT=$AIO_VM_AIO_AUDIT
AIO_VM_CASES="$*"
AIO_VM_CYCLES=${AIO_VM_CYCLES:-}
EOF
}

# oops=panic and panic=-1 turn an oops into an immediate exit (-no-reboot),
# not a hang.  slub_debug checks, poisons and red-zones the caches of the
# gadget's requests and of the aio and io_uring requests it completes, so a
# use-after-free or double completion shows up in the log; slab_nomerge keeps
# the gadget's cache its own, so a leaked request makes its destruction warn.
# loglevel=5 puts warnings on the console too: a WARN's whole report is
# printed at warning level, and when a later BUG kills the guest mid-case the
# case's dmesg is never collected, so the console is the only record of it
# (seen in CI: a BUG tainted W by a WARN that no log showed).
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 mitigations=off nokaslr"
cmdline+=" slab_nomerge slub_debug=FZPU,aio_gadget_req,aio_kiocb,io_kiocb"
# Under TCG a busy host can leave a vCPU thread unscheduled for tens of
# seconds, which the guest reports as an RCU stall (seen: 29 s, load 15 on
# 2 cores) and the cases read as a kernel failure. 300 s, the kernel's
# maximum, still catches a CPU that really spins for good.
cmdline+=" rcupdate.rcu_cpu_stall_timeout=300"
# A CPU looping in the kernel (seen in CI: a soft lockup under a case) would
# otherwise hold the boot until qemu's timeout. Panic on it, with the stack on
# the console, and every CPU's (the one it waits for is the one to see);
# 60 s (lockup after 120 s) leaves room for a starved vCPU.
cmdline+=" softlockup_panic=1 softlockup_all_cpu_backtrace=1 watchdog_thresh=60"
cmdline+=" ${AIO_VM_APPEND:-}"

boot() { # ACCEL RESULTS_DIR TIMEOUT
	local accel=$1 dir=$2 limit=$3 cpu=max monitor=none
	[[ -n ${AIO_VM_MONITOR:-} ]] && monitor="unix:$AIO_VM_MONITOR,server=on,wait=off"
	timeout --kill-after=10 "$limit" qemu-system-x86_64 \
		-accel "$accel" -cpu "$cpu" -smp 2 -m 1536M \
		-kernel "$AIO_VM_VMLINUX" -initrd "$AIO_VM_INITRAMFS" -append "$cmdline" \
		-display none -no-reboot -nodefaults \
		-monitor "$monitor" \
		-serial "file:$dir/console.log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$dir,mount_tag=results,security_model=none,multidevs=remap" \
		</dev/null >"$dir/qemu.log" 2>&1
}

# KVM when it works: on some hosts /dev/kvm opens but guests hang or die
# (docs/vm.md), so a short empty boot decides, and the verdict (kvm or tcg)
# is cached per host kernel, qemu and guest kernel.
choose_accel() {
	local want=${AIO_AUDIT_VM_ACCEL:-auto}
	if [[ $want != auto ]]; then
		[[ $want == kvm ]] && echo kvm || echo tcg
		return
	fi
	if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		echo tcg
		return
	fi
	local cache=$AIO_VM_DIR/kvm.verdict
	local key
	key="$(uname -r) $(qemu-system-x86_64 --version | head -1) $AIO_VM_KVER"
	if [[ -f $cache && $(head -1 "$cache") == "$key" ]]; then
		sed -n 2p "$cache" | cut -d, -f1
		return
	fi
	local probe=$AIO_VM_DIR/kvm-probe verdict=tcg
	rm -rf "$probe"
	mkdir -p "$probe"
	write_env "$probe"
	if boot kvm "$probe" 30 && [[ -f $probe/done ]]; then
		verdict=kvm
	fi
	printf '%s\n%s\n' "$key" "$verdict" >"$cache"
	echo "$verdict"
}

# TCG with one host thread for both vCPUs: with thread=multi (qemu 7.2) a
# tracepoint attach or detach in the guest (text_poke_bp waiting on an IPI)
# hung it about one run in two (docs/vm.md); single was faster here, too.
qemu_accel() { # kvm|tcg
	[[ $1 == kvm ]] && echo kvm || echo "tcg,thread=single"
}

accel=$(qemu_accel "$(choose_accel)")
write_env "$results" "${cases[@]}"
echo "vm tier: kernel $AIO_VM_NAME = $AIO_VM_KVER, accel $accel, ${#cases[@]} cases, results in $results"

start=$(date +%s.%N)
rc=0
boot "$accel" "$results" "${AIO_VM_TIMEOUT:-2400}" || rc=$?

# A guest that died with its CPU in a state no x86-64 CPU can be in (an
# EFLAGS value with reserved bits set, impossible-cpu-state.sh) met a fault of
# the emulator: what it hit says nothing about the kernel or the module. Seen
# with 6.12 under TCG in 90-load-cycles, once in 21 boots here (docs/vm.md). Boot
# once more for the case it hit and the cases after it; the cases before it
# stand. A second such fault, or any other death, fails as before.
if [[ ! -f $results/done && ! -f $results/stuck ]] && ((rc != 124 && rc != 137)) &&
	flags=$("$here/impossible-cpu-state.sh" "$results/console.log"); then
	rest=()
	for c in "${cases[@]}"; do
		name=$(basename "$c" .sh)
		status=$(cat "$results/cases/$name.status" 2>/dev/null || true)
		[[ $status == pass || $status == fail || $status == skip ]] && continue
		rest+=("$c")
		rm -f "$results/cases/$name".*
	done
	hit=$(basename "${rest[0]:-none}" .sh)
	mv "$results/console.log" "$results/console.emulator-fault.log"
	echo "emulator fault in case $hit (EFLAGS $flags); console in console.emulator-fault.log" \
		>"$results/emulator-fault"
	echo "vm tier: the guest died in case $hit with its CPU in an impossible state (EFLAGS $flags" \
		"has reserved bits set): a fault of the emulator, not of the kernel or the module" \
		"(its console: $results/console.emulator-fault.log). Booting once more for the" \
		"${#rest[@]} cases from $hit on." >&2
	write_env "$results" "${rest[@]}"
	rc=0
	boot "$accel" "$results" "${AIO_VM_TIMEOUT:-2400}" || rc=$?
fi
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

# Summary: one line per case, then the timings docs/vm.md records.
total_cases=0
for c in "${cases[@]}"; do
	name=$(basename "$c" .sh)
	status=$(cat "$results/cases/$name.status" 2>/dev/null || echo "not run")
	printf '  %-28s %-8s %6s s\n' "$name" "$status" "$(cat "$results/cases/$name.time" 2>/dev/null || echo -)"
	total_cases=$((total_cases + 1))
done
{
	echo "kernel $AIO_VM_NAME $AIO_VM_KVER"
	echo "accel ${accel%%,*}"
	echo "kernel_boot_seconds $(cat "$results/boot-seconds" 2>/dev/null || echo -)"
	echo "qemu_wall_seconds $wall"
} >"$results/timings"
echo "vm tier: guest kernel up in $(cat "$results/boot-seconds" 2>/dev/null || echo ?) s, whole boot $wall s"

if [[ -f $results/done ]]; then
	if [[ -f $results/emulator-fault ]]; then
		harness "ok, after one $(cat "$results/emulator-fault")"
		echo "vm tier: $(cat "$results/harness.status")" >&2
	else
		harness "ok"
	fi
	exit 0
fi
running=$(grep -l '^running$' "$results"/cases/*.status 2>/dev/null | head -1 || true)
running=$(basename "${running:-}" .status)
if [[ -f $results/stuck ]]; then
	harness "failed: case $(cat "$results/stuck") is stuck in the kernel; the cases after it were not run"
elif ((rc == 124 || rc == 137)); then
	harness "failed: qemu timed out after ${AIO_VM_TIMEOUT:-2400} s${running:+ in case $running}"
else
	harness "failed: the guest stopped before the end (qemu exit $rc)${running:+ in case $running}"
fi
echo "vm tier: $(cat "$results/harness.status")" >&2
for name in $(cat "$results/stuck" 2>/dev/null) $running; do
	echo "vm tier: the end of $name's log:" >&2
	tail -n 30 "$results/cases/$name.log" >&2 || true
	echo "vm tier: $name's kernel log:" >&2
	head -n 120 "$results/cases/$name.dmesg" >&2 2>/dev/null || true
done
# The first report the kernel printed is the one that says why (a lockup
# repeats its one-line warning until the timeout); then the last lines.
first=$(grep -nE 'BUG:|Oops|Kernel panic|Call Trace:|WARNING:|stall' "$results/console.log" | head -1 | cut -d: -f1)
if [[ -n $first ]]; then
	echo "vm tier: console, from the first kernel report (line $first):" >&2
	tail -n +"$((first > 5 ? first - 5 : 1))" "$results/console.log" | head -n 80 >&2
fi
echo "vm tier: console, last lines:" >&2
tail -n 40 "$results/console.log" >&2 || true
exit 1
