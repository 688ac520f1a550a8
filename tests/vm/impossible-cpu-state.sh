#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Did the guest's (emulated) CPU reach a state no x86-64 CPU can be in?
#
#   impossible-cpu-state.sh CONSOLE_LOG
#
# Prints the first register dump's EFLAGS value that has a reserved bit set
# (bits 63-22, 15, 5 or 3) or bit 1 clear, and exits 0; exits 1 if there is
# none. A CPU pushes RFLAGS as it is on an exception, and neither hardware
# nor POPF lets software set those bits, so such a value in a kernel report
# means the emulator lost the flags (seen under qemu 7.2 TCG: TF and DF set
# at random in the guest kernel, then list corruption and a double fault).
# Such a report is about the emulator, not about the guest kernel or the
# code under test.
set -euo pipefail
console=$1
[[ -r $console ]] || {
	echo "impossible-cpu-state: cannot read $console" >&2
	exit 2
}
while read -r value; do
	flags=$((16#$value))
	if (((flags & ~0x3fffff) || (flags & 0x8028) || !(flags & 2))); then
		echo "$value"
		exit 0
	fi
done < <(grep -aoE 'EFLAGS: [0-9a-f]+' "$console" | cut -d' ' -f2)
exit 1
