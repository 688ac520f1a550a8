#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One ctest per guest case (vm.NAME): reports what the shared boot (the
# fixture vm.<kernel>.boot, run-vm.sh) recorded for case NAME - its output, and on
# failure the kernel messages of the case.  Exit 0 pass, 77 skip, 1 fail.
#
#   case-result.sh RESULTS NAME
set -uo pipefail
results=$1
name=$2
dir=$results/cases

if [[ ! -f $results/harness.status ]]; then
	echo "FAIL: no results: vm.<kernel>.boot did not run"
	exit 1
fi
harness=$(cat "$results/harness.status")
if [[ $harness == skipped:* ]]; then
	echo "SKIP: ${harness#skipped: }"
	exit 77
fi
if [[ ! -f $dir/$name.status ]]; then
	if grep -qx "$name" "$results/selected" 2>/dev/null; then
		echo "FAIL: the guest never got to this case ($harness)"
		tail -n 30 "$results/console.log" 2>/dev/null
		exit 1
	fi
	echo "SKIP: not selected by AIO_VM_CASES"
	exit 77
fi

status=$(cat "$dir/$name.status")
cat "$dir/$name.log" 2>/dev/null
echo "-- $status in $(cat "$dir/$name.time" 2>/dev/null || echo ?) s (kernel $(cat "$results/kernel" 2>/dev/null))"
case $status in
pass)
	exit 0
	;;
skip)
	exit 77
	;;
running)
	echo "FAIL: the guest died while running this case; console:"
	tail -n 60 "$results/console.log" 2>/dev/null
	exit 1
	;;
*)
	if [[ -s $dir/$name.dmesg ]]; then
		echo "-- kernel messages during the case:"
		tail -n 80 "$dir/$name.dmesg"
	fi
	exit 1
	;;
esac
