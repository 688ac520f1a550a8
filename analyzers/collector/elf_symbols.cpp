// SPDX-License-Identifier: GPL-2.0-only
#include "collector/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace aio::collector {

std::map<std::string, std::uint64_t> function_offsets(const std::string& path, const std::vector<std::string>& names,
                                                      std::string* error)
{
    std::map<std::string, std::uint64_t> out;
    auto fail = [&](const std::string& why) {
        if (error)
            *error = path + ": " + why;
        return out;
    };
    if (elf_version(EV_CURRENT) == EV_NONE)
        return fail("libelf too old");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(std::strerror(errno));
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    if (!elf) {
        ::close(fd);
        return fail(elf_errmsg(-1));
    }

    std::vector<GElf_Phdr> loads;
    std::size_t nphdr = 0;
    elf_getphdrnum(elf, &nphdr);
    for (std::size_t i = 0; i < nphdr; ++i) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
            loads.push_back(ph);
    }

    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
            continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        const std::size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
        for (std::size_t i = 0; data && i < count; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
                sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
                continue;
            const char* nm = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (!nm || std::find(names.begin(), names.end(), nm) == names.end() || out.count(nm))
                continue;
            for (const auto& ph : loads) {
                if (sym.st_value >= ph.p_vaddr && sym.st_value < ph.p_vaddr + ph.p_memsz) {
                    out[nm] = sym.st_value - ph.p_vaddr + ph.p_offset;
                    break;
                }
            }
        }
    }
    elf_end(elf);
    ::close(fd);
    if (out.empty() && error)
        *error = path + ": none of the functions is defined there";
    return out;
}

std::optional<std::string> libc_path()
{
    std::optional<std::string> found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* arg) {
            const std::string name = info->dlpi_name ? info->dlpi_name : "";
            if (name.find("/libc.so") != std::string::npos) {
                *static_cast<std::optional<std::string>*>(arg) = name;
                return 1;
            }
            return 0;
        },
        &found);
    return found;
}

}  // namespace aio::collector
