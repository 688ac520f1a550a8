#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ctest scan_eval.linux-6.12: unpacks Debian's linux-source-6.12 once into a
# cache outside the repository (reused while the tarball is unchanged), then
# judges `aio-audit scan` on it against linux-6.12.json.
#
#   tests/scan-eval/run.sh SCAN_EVAL AIO_AUDIT [scan-eval options...]
#   AIO_AUDIT_SRC_CACHE=/var/tmp/aio-audit-src   where the tree is kept
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scan_eval=$1
aio_audit=$2
shift 2
# shellcheck source=../scan/linux-source.sh
source "$here/../scan/linux-source.sh"
unpack_linux_source scan-eval
exec 9>&-

exec "$scan_eval" "$here/linux-6.12.json" --tree "$tree" --aio-audit "$aio_audit" "$@"
