// SPDX-License-Identifier: GPL-2.0-only
//
// hook_floor raw|event: attach bpf/hook_floor.bpf.c's empty programs to the
// hooks `aio-audit trace` uses for io_submit and io_getevents, the raw
// sys_enter/sys_exit pair or the four per-syscall tracepoints, and hold them
// until SIGINT or SIGTERM. scripts/bench-trace.sh runs fio under it to
// measure what any hook on those syscalls costs, whatever its body.
#include <asm/unistd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "hook_floor.skel.h"

namespace {

volatile sig_atomic_t stop = 0;

void on_signal(int)
{
    stop = 1;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string_view mode = argc == 2 ? argv[1] : "";
    if (mode != "raw" && mode != "event") {
        std::fprintf(stderr, "usage: hook_floor raw|event\n");
        return 2;
    }
    hook_floor* skel = hook_floor__open();
    if (!skel) {
        std::fprintf(stderr, "hook_floor: open: %s\n", std::strerror(errno));
        return 1;
    }
    skel->rodata->nr_io_submit = __NR_io_submit;
    skel->rodata->nr_io_getevents = __NR_io_getevents;
    std::vector<bpf_program*> wanted;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj)
    {
        const bool raw = std::string_view(bpf_program__section_name(prog)).starts_with("tp_btf/");
        bpf_program__set_autoload(prog, raw == (mode == "raw"));
        if (raw == (mode == "raw"))
            wanted.push_back(prog);
    }
    if (wanted.empty()) {
        std::fprintf(stderr, "hook_floor: no %s programs in this build\n", argv[1]);
        return 1;
    }
    if (const int err = hook_floor__load(skel)) {
        std::fprintf(stderr, "hook_floor: load: %s\n", std::strerror(-err));
        return 1;
    }
    std::vector<bpf_link*> links;
    for (auto* p : wanted) {
        bpf_link* link = bpf_program__attach(p);
        if (!link) {
            std::fprintf(stderr, "hook_floor: attach %s: %s\n", bpf_program__name(p), std::strerror(errno));
            return 1;
        }
        links.push_back(link);
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::printf("attached %zu %s programs\n", links.size(), argv[1]);
    std::fflush(stdout);
    while (!stop)
        ::pause();
    for (auto* l : links)
        bpf_link__destroy(l);
    hook_floor__destroy(skel);
    return 0;
}
