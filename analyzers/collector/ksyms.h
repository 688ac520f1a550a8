// SPDX-License-Identifier: GPL-2.0-only
//
// Kernel addresses to "symbol [module]", from /proc/kallsyms (root sees the
// real addresses). Function pointers read from f_op resolve exactly; stack
// frames resolve to the nearest symbol below plus an offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aio::collector {

struct KernelSymbol {
    std::uint64_t addr = 0;
    std::string name;
    std::string module;  // empty for vmlinux
};

class Ksyms {
public:
    // Reads /proc/kallsyms (or `path`); text symbols only.
    static Ksyms load(const std::string& path = "/proc/kallsyms");

    const KernelSymbol* exact(std::uint64_t addr) const;
    const KernelSymbol* nearest(std::uint64_t addr) const;
    std::optional<std::uint64_t> address_of(const std::string& name) const;
    // "filemap_read+0x1f4"
    std::string frame(std::uint64_t addr) const;
    bool empty() const { return syms_.empty(); }
    std::size_t size() const { return syms_.size(); }

private:
    std::vector<KernelSymbol> syms_;  // sorted by address
};

}  // namespace aio::collector
