#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The first command of the README: install what is missing, build, and run the
# main job — `aio-audit probe` on its built-in default targets. Extra arguments
# are passed to `aio-audit probe`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" build
"$top/scripts/build.sh" aio-audit
echo
exec "${BUILD_DIR:-$top/build}/aio-audit" probe "$@"
