// SPDX-License-Identifier: GPL-2.0-only
#include "collector/ksyms.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace aio::collector {

Ksyms Ksyms::load(const std::string& path)
{
    Ksyms k;
    FILE* f = std::fopen(path.c_str(), "re");
    if (!f)
        return k;
    char line[512];
    while (std::fgets(line, sizeof(line), f)) {
        unsigned long long addr = 0;
        char type = 0;
        char name[256] = {};
        char module[128] = {};
        const int n = std::sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, module);
        if (n < 3 || addr == 0)
            continue;
        // Text symbols only: f_op entries and stack frames are code. __pfx_
        // padding symbols share the address range just before each function.
        if (type != 't' && type != 'T')
            continue;
        if (std::strncmp(name, "__pfx_", 6) == 0)
            continue;
        k.syms_.push_back({addr, name, n == 4 ? module : ""});
    }
    std::fclose(f);
    std::stable_sort(k.syms_.begin(), k.syms_.end(),
                     [](const KernelSymbol& a, const KernelSymbol& b) { return a.addr < b.addr; });
    return k;
}

const KernelSymbol* Ksyms::exact(std::uint64_t addr) const
{
    auto it = std::lower_bound(syms_.begin(), syms_.end(), addr,
                               [](const KernelSymbol& s, std::uint64_t a) { return s.addr < a; });
    return it != syms_.end() && it->addr == addr ? &*it : nullptr;
}

const KernelSymbol* Ksyms::nearest(std::uint64_t addr) const
{
    auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                               [](std::uint64_t a, const KernelSymbol& s) { return a < s.addr; });
    return it == syms_.begin() ? nullptr : &*std::prev(it);
}

std::optional<std::uint64_t> Ksyms::address_of(const std::string& name) const
{
    for (const auto& s : syms_)
        if (s.name == name)
            return s.addr;
    return std::nullopt;
}

std::string Ksyms::frame(std::uint64_t addr) const
{
    const KernelSymbol* s = nearest(addr);
    // No function is a megabyte long: past that, the address is in code
    // kallsyms does not list (JIT-ed BPF, an unloaded module).
    if (!s || addr - s->addr > (1u << 20))
        return fmt::format("0x{:x}", addr);
    std::string text = addr == s->addr ? s->name : fmt::format("{}+0x{:x}", s->name, addr - s->addr);
    if (!s->module.empty())
        text += " [" + s->module + "]";
    return text;
}

}  // namespace aio::collector
