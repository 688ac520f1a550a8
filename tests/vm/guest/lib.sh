# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by every guest case (tests/vm/cases/*.sh): what a case needs to
# load the gadget module, drive it and report.  A case exits 0 to pass, 77
# to skip (say why with `skip`), anything else to fail (say why with `fail`).
# Cases run as root in the guest, from /tmp, with the host's root as /.
# Variables defined here are for the cases that source this file.
# shellcheck disable=SC2034
set -euo pipefail

: "${AIO_VM_BUILD:?run by tests/vm/guest/runner.sh}"
AIO_AUDIT=${AIO_AUDIT:-$AIO_VM_BUILD/aio-audit}
GADGET_CHECK=$AIO_VM_GADGET_CHECK
GADGET_KO=$AIO_VM_KO
GADGET_DEV=/dev/aio_gadget
GADGET_PARAMS=/sys/module/aio_gadget/parameters
GADGET_STATS=/sys/kernel/debug/aio_gadget
GADGET_DEVICES=(async sync blocking fake-async mixed noiter)

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

step() {
	echo
	echo "== $*"
}

# Echo a command, then run it; the case fails if it does (set -e).
run() {
	echo "+ $*"
	"$@"
}

# Run a command that must exit with status $1.
expect_status() {
	local want=$1 rc=0
	shift
	echo "+ $* (expect exit $want)"
	"$@" || rc=$?
	((rc == want)) || fail "'$*' exited $rc, not $want"
}

# Load the module (reloading it if loaded) with PARAM=VALUE arguments, and
# wait for every device node.
gadget_load() {
	gadget_unload
	run insmod "$GADGET_KO" "$@"
	local dev i
	for dev in "${GADGET_DEVICES[@]}"; do
		for _ in $(seq 50); do
			[[ -c $GADGET_DEV/$dev ]] && break
			sleep 0.1
		done
		[[ -c $GADGET_DEV/$dev ]] || fail "no $GADGET_DEV/$dev after insmod"
	done
}

# Unload the module if loaded; requests still completing may hold it
# busy for a moment (io_uring tears rings down from a worker).
gadget_unload() {
	for _ in $(seq 50); do
		grep -q '^aio_gadget ' /proc/modules || return 0
		rmmod aio_gadget 2>/dev/null && return 0
		sleep 0.2
	done
	fail "rmmod aio_gadget still fails after 10 s"
}

gadget_loaded() {
	grep -q '^aio_gadget ' /proc/modules
}

# gadget_set NAME VALUE: change a module parameter at run time.
gadget_set() {
	echo "+ $GADGET_PARAMS/$1 = $2"
	echo "$2" >"$GADGET_PARAMS/$1"
}

# gadget_stat DEVICE KEY: one of the device's counters.
gadget_stat() {
	awk -v k="$2" '$1 == k { print $2 }' "$GADGET_STATS/$1/stats"
}

# Skip the case while an aio-audit subcommand is still a stub.
require_subcommand() {
	if "$AIO_AUDIT" "$1" --help 2>&1 | grep -q 'not implemented yet'; then
		skip "aio-audit $1 is not implemented yet"
	fi
}

# trace_facts JSON ID: every scalar of an `aio-audit trace --json` report,
# read with one jq (each jq run costs about a second under TCG) into the
# associative array FACTS: FACTS["ID path.to.field"] for each libaio op, ID
# being the jq expression ID on that op (e.g. '.dev_name'), and
# FACTS["path.to.field"] for the rest of the report.
declare -A FACTS
trace_facts() {
	FACTS=()
	local id path val
	# A here-string, not <(...): the guest's /dev has no /dev/fd.
	while IFS=$'\x1f' read -r id path val; do
		FACTS["${id:+$id }$path"]=$val
	done <<<"$(jq -r "(.ops[] | select(.api == \"libaio\") | . as \$o | ($2) as \$id
			| paths(scalars) as \$p | [\$id, (\$p | map(tostring) | join(\".\")), (\$o | getpath(\$p) | tostring)]),
		(del(.ops) | . as \$t | paths(scalars) as \$p | [\"\", (\$p | map(tostring) | join(\".\")), (\$t | getpath(\$p) | tostring)])
		| join(\"\\u001f\")" "$1")"
}

# fact ID FIELD [DEFAULT]: FACTS["ID FIELD"]; fails when there is no op ID.
fact() {
	[[ -n ${FACTS["$1 requests"]:-} ]] || fail "no op '$1' in the trace"
	echo "${FACTS["$1 $2"]:-${3:-}}"
}
