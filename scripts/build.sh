#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Configures and builds aio-audit into BUILD_DIR (default: build/): the tool
# and the test tiers (targets all and tests), or only the TARGETs given (e.g.
# `scripts/build.sh aio-audit`).
# Warnings are errors when CI is set, or when AIO_AUDIT_WERROR=ON.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$top/build}
werror=${AIO_AUDIT_WERROR:-$([[ -n "${CI:-}" ]] && echo ON || echo OFF)}

cmake -S "$top" -B "$build_dir" -G Ninja \
	-DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
	-DAIO_AUDIT_WERROR="$werror" >/dev/null
echo "build: $build_dir (warnings as errors: $werror)"
targets=()
(($#)) || set -- all tests
for t in "$@"; do targets+=(--target "$t"); done
# --quiet: ninja prints what fails, not a line per file.
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}" -- --quiet
