// SPDX-License-Identifier: GPL-2.0-only
//
// What `aio-audit --version` and `aio-audit COMMAND --version` print: the
// release, the commit it was built from, the libbpf it runs with and the
// kernel it runs on (the two that decide what trace can do).
#pragma once

#include <string>

namespace aio::cli {

// "aio-audit 0.1.0 (commit 1a2b3c4d5e6f)\nlibbpf 1.1 (built with 1.1.2)\nkernel 6.18.44 x86_64"
std::string version_text();

}  // namespace aio::cli
