// SPDX-License-Identifier: GPL-2.0-only
//
// hook_work KIND[,KIND...]: attach bpf/hook_work.bpf.c's programs to the raw
// sys_enter/sys_exit hooks, doing at each io_submit the named kinds of
// `aio-audit trace`'s per-request work, and hold them until SIGINT or
// SIGTERM. scripts/bench-hook-work.sh prices each kind against hook_floor.
// hook_work --check KIND[,KIND...]: only say whether the kinds are known, so
// that the script refuses a bad one before any round runs (the names live
// here alone).
#include <asm/unistd.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "hook_work.skel.h"

namespace {

// The W_* bits of bpf/hook_work.bpf.c.
constexpr std::array<std::pair<std::string_view, unsigned>, 9> kKinds{{
    {"user", 0x01},
    {"file", 0x02},
    {"clock", 0x04},
    {"task", 0x08},
    {"tail", 0x10},
    {"posted", 0x20},
    {"stats", 0x40},
    {"count", 0x80},
    {"task-storage", 0x100},
}};

volatile sig_atomic_t stop = 0;

void on_signal(int)
{
    stop = 1;
}

int usage()
{
    std::fprintf(stderr, "usage: hook_work [--check] KIND[,KIND...]   KIND: all");
    for (const auto& [name, bit] : kKinds)
        std::fprintf(stderr, " %.*s", static_cast<int>(name.size()), name.data());
    std::fprintf(stderr, "\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv)
{
    const bool check = argc == 3 && std::string_view(argv[1]) == "--check";
    if (argc != 2 && !check)
        return usage();
    const char* const kinds = argv[argc - 1];
    unsigned work = 0;
    std::string_view rest = kinds;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view word = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        bool known = word == "all";
        for (const auto& [name, bit] : kKinds) {
            // count is --sample N's path alone: not part of a followed request's
            // work; task-storage is the alternative to task's hash.
            if (word == name || (word == "all" && name != "count" && name != "task-storage")) {
                work |= bit;
                known = true;
            }
        }
        if (!known) {
            std::fprintf(stderr, "hook_work: unknown kind '%.*s'\n", static_cast<int>(word.size()), word.data());
            return usage();
        }
    }
    if (check)
        return 0;
    hook_work* skel = hook_work__open();
    if (!skel) {
        std::fprintf(stderr, "hook_work: open: %s\n", std::strerror(errno));
        return 1;
    }
    skel->rodata->nr_io_submit = __NR_io_submit;
    skel->rodata->work = work;
    if (const int err = hook_work__load(skel)) {
        std::fprintf(stderr, "hook_work: load: %s\n", std::strerror(-err));
        return 1;
    }
    if (const int err = hook_work__attach(skel)) {
        std::fprintf(stderr, "hook_work: attach: %s\n", std::strerror(-err));
        return 1;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::printf("attached: %s (0x%03x)\n", kinds, work);
    std::fflush(stdout);
    while (!stop)
        ::pause();
    hook_work__destroy(skel);
    return 0;
}
