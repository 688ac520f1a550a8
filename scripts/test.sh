#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The second command of the README, and what .ci/run calls: install everything
# the three test tiers need, build, and run every test (unit, host, vm).
# Pass ctest arguments to narrow it, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$top/build}
"$top/scripts/install-deps.sh" build test vm
BUILD_DIR=$build_dir "$top/scripts/build.sh"
cd "$build_dir"
exec ctest --output-on-failure --no-tests=error "$@"
