#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# impossible-cpu-state.sh against consoles of real guest deaths: the two seen
# with impossible EFLAGS (CI, 6.12.117; here, 6.12.118) and the user-mode
# frames of the same reports, whose EFLAGS are ordinary.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check=$here/impossible-cpu-state.sh
fx=$here/fixtures
bad=0
expect() { # WANT_RC WANT_OUT FILE
	local out rc
	out=$("$check" "$3" 2>/dev/null)
	rc=$?
	if [[ $rc != "$1" || $out != "$2" ]]; then
		echo "FAIL: $3: got rc $rc, \"$out\"; want rc $1, \"$2\""
		bad=1
	fi
}
expect 0 0cf09046 "$fx/console-ci-6.12.117.txt"
expect 0 074e0362 "$fx/console-local-6.12.118.txt"
expect 1 "" "$fx/console-user-frames.txt"
expect 2 "" "$fx/no-such-console.txt"
((bad)) || echo "ok: 4 consoles"
exit "$bad"
