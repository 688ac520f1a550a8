// SPDX-License-Identifier: GPL-2.0-only
//
// File offsets of functions in a shared object, for uprobes. libbpf 1.1
// refuses to attach to glibc's aio_read by name ("ambiguous match": it is
// versioned, aio_read@GLIBC_2.2.5 and aio_read@@GLIBC_2.34), so the offset is
// computed here from the dynamic symbol table and the program headers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aio::collector {

// Offsets in `path` of each named function that is defined there, one per
// distinct address (versioned aliases of one function collapse).
std::map<std::string, std::uint64_t> function_offsets(const std::string& path,
                                                      const std::vector<std::string>& names,
                                                      std::string* error = nullptr);

// The C library this process (and, normally, every process) runs with.
std::optional<std::string> libc_path();

}  // namespace aio::collector
