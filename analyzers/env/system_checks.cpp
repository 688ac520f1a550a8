// SPDX-License-Identifier: GPL-2.0-only
#include "env/system_checks.h"

#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "model/backend_plan.h"
#include "model/errors.h"

namespace aio::env {
namespace {

using model::Capability;
using model::CapStatus;

std::string read_first_line(const std::string& path, bool* ok = nullptr)
{
    std::ifstream in(path);
    std::string line;
    const bool good = static_cast<bool>(std::getline(in, line));
    if (ok)
        *ok = good;
    return line;
}

bool exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Capability kernel_release()
{
    utsname u{};
    ::uname(&u);
    return {"kernel.release", "kernel", CapStatus::yes, fmt::format("{} {}", u.release, u.machine)};
}

// Where interrupt handlers and softirqs run, which decides what a completion
// context means (docs/verdicts.md): PREEMPT_RT runs both in kernel threads,
// and keeps the softirq count in the task, not in preempt_count, so the
// tracer reports such completions as tasks. The kernel names its preemption
// model in its version string ("#1 SMP PREEMPT_RT ...").
Capability preempt_rt()
{
    utsname u{};
    ::uname(&u);
    const std::string version = u.version;
    if (version.find("PREEMPT_RT") != std::string::npos)
        return {"kernel.preempt_rt", "IRQs and softirqs in threads (PREEMPT_RT)", CapStatus::yes,
                "PREEMPT_RT: threaded IRQ handlers, ksoftirqd and tasks serving softirqs are reported as "
                "other_task or submitter, not hardirq or softirq"};
    return {"kernel.preempt_rt", "IRQs and softirqs in threads (PREEMPT_RT)", CapStatus::no,
            "not PREEMPT_RT (" + version + ")"};
}

Capability btf()
{
    const std::string path = "/sys/kernel/btf/vmlinux";
    if (exists(path))
        return {"kernel.btf", "kernel BTF", CapStatus::yes, path};
    return {"kernel.btf", "kernel BTF", CapStatus::no,
            path + " missing (CONFIG_DEBUG_INFO_BTF=n): CO-RE and fentry cannot work"};
}

Capability tracefs(const SystemCheckOptions& opts)
{
    const std::string label = "tracefs";
    if (const std::string root = tracefs_root(); !root.empty())
        return {"kernel.tracefs", label, CapStatus::yes, root};
    if (!opts.mount_tracefs || ::geteuid() != 0)
        return {"kernel.tracefs", label, CapStatus::no,
                "not mounted at /sys/kernel/tracing (mount -t tracefs nodev /sys/kernel/tracing)"};
    if (::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0)
        return {"kernel.tracefs", label, CapStatus::yes,
                "/sys/kernel/tracing (was not mounted: aio-audit mounted it)"};
    return {"kernel.tracefs", label, CapStatus::no,
            "not mounted, and mounting it failed: " + errno_text(errno)};
}

void tracepoints(model::Capabilities& caps)
{
    const std::string root = tracefs_root();
    for (auto ev : model::tracepoint_backend_events()) {
        const std::string name(ev);
        const auto colon = name.find(':');
        const std::string dir = root + "/events/" + name.substr(0, colon) + "/" + name.substr(colon + 1);
        Capability c{"tracepoint." + name, name, CapStatus::unknown, ""};
        if (root.empty()) {
            c.detail = "tracefs not available";
        } else if (exists(dir)) {
            c.status = CapStatus::yes;
        } else {
            c.status = CapStatus::no;
            c.detail = "not in " + root + "/events";
        }
        caps.push_back(std::move(c));
    }
}

Capability kernel_aio()
{
    Capability c{"aio.io_setup", "kernel AIO (io_setup)", CapStatus::no, ""};
    bool ok = false;
    const std::string max_nr = read_first_line("/proc/sys/fs/aio-max-nr", &ok);
    const std::string nr = read_first_line("/proc/sys/fs/aio-nr");
    const std::string limits = ok ? fmt::format("aio-nr {} of aio-max-nr {}", nr, max_nr) : "no /proc/sys/fs/aio-max-nr";
    io_context_t ctx = nullptr;
    const int rc = ::io_setup(1, &ctx);
    if (rc == 0) {
        ::io_destroy(ctx);
        c.status = CapStatus::yes;
        c.detail = limits;
    } else if (rc == -ENOSYS) {
        c.detail = "io_setup: ENOSYS (CONFIG_AIO=n)";
    } else if (rc == -EAGAIN) {
        c.detail = "io_setup: EAGAIN, the system-wide limit is used up (" + limits + ")";
    } else {
        c.detail = "io_setup: " + errno_text(-rc);
    }
    return c;
}

Capability uring()
{
    Capability c{"io_uring", "io_uring", CapStatus::no, ""};
    bool known = false;
    const std::string disabled = read_first_line("/proc/sys/kernel/io_uring_disabled", &known);
    struct io_uring ring {};
    const int rc = ::io_uring_queue_init(2, &ring, 0);
    if (rc == 0) {
        ::io_uring_queue_exit(&ring);
        c.status = CapStatus::yes;
        c.detail = known ? "kernel.io_uring_disabled=" + disabled : "";
    } else {
        c.detail = "io_uring_setup: " + errno_text(-rc);
        if (known && disabled != "0")
            c.detail += " (kernel.io_uring_disabled=" + disabled + ")";
    }
    return c;
}

bool has_cap(const __user_cap_data_struct (&data)[2], int cap)
{
    return data[cap / 32].effective & (1U << (cap % 32));
}

void privileges(model::Capabilities& caps)
{
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    const bool ok = ::syscall(SYS_capget, &hdr, data) == 0;
    const bool root = ::geteuid() == 0;
    auto cap = [&](int n) { return ok && has_cap(data, n); };
    const bool sys_admin = cap(CAP_SYS_ADMIN);
    const bool bpf = cap(CAP_BPF) || sys_admin;
    const bool perfmon = cap(CAP_PERFMON) || sys_admin;
    caps.push_back({"priv.euid", "effective user", root ? CapStatus::yes : CapStatus::warn,
                    fmt::format("uid {}{}", ::geteuid(), root ? " (root)" : "")});
    caps.push_back({"priv.bpf", "CAP_BPF + CAP_PERFMON", (bpf && perfmon) ? CapStatus::yes : CapStatus::no,
                    fmt::format("CAP_BPF {}, CAP_PERFMON {}, CAP_SYS_ADMIN {}", cap(CAP_BPF) ? "yes" : "no",
                                cap(CAP_PERFMON) ? "yes" : "no", sys_admin ? "yes" : "no")});
}

void sysctls(model::Capabilities& caps)
{
    bool ok = false;
    const std::string lockdown = read_first_line("/sys/kernel/security/lockdown", &ok);
    if (!ok) {
        caps.push_back({"kernel.lockdown", "lockdown", CapStatus::unknown,
                        "/sys/kernel/security/lockdown not readable (securityfs not mounted or no LSM)"});
    } else {
        // The active mode is the bracketed one: "none [integrity] confidentiality".
        const bool none = lockdown.find("[none]") != std::string::npos;
        caps.push_back({"kernel.lockdown", "lockdown", none ? CapStatus::yes : CapStatus::warn,
                        none ? "none" : lockdown + " (BPF reads of kernel memory may be refused)"});
    }
    const std::string unpriv = read_first_line("/proc/sys/kernel/unprivileged_bpf_disabled", &ok);
    if (ok)
        caps.push_back({"kernel.unprivileged_bpf_disabled", "unprivileged BPF",
                        unpriv == "0" ? CapStatus::yes : CapStatus::warn,
                        "kernel.unprivileged_bpf_disabled=" + unpriv});
    const std::string paranoid = read_first_line("/proc/sys/kernel/perf_event_paranoid", &ok);
    if (ok)
        caps.push_back({"kernel.perf_event_paranoid", "perf_event_paranoid", CapStatus::yes,
                        "kernel.perf_event_paranoid=" + paranoid});
    const bool kprobe_pmu = exists("/sys/bus/event_source/devices/kprobe");
    caps.push_back({"kernel.kprobe_pmu", "kprobe PMU", kprobe_pmu ? CapStatus::yes : CapStatus::no,
                    kprobe_pmu ? "/sys/bus/event_source/devices/kprobe"
                               : "no /sys/bus/event_source/devices/kprobe (CONFIG_KPROBES=n?)"});
}

}  // namespace

std::string tracefs_root()
{
    for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
        if (exists(std::string(root) + "/events"))
            return root;
    return {};
}

model::Capabilities check_system(const SystemCheckOptions& opts)
{
    model::Capabilities caps;
    caps.push_back(kernel_release());
    caps.push_back(preempt_rt());
    caps.push_back(btf());
    caps.push_back(tracefs(opts));
    tracepoints(caps);
    privileges(caps);
    sysctls(caps);
    caps.push_back(kernel_aio());
    caps.push_back(uring());
    return caps;
}

}  // namespace aio::env
