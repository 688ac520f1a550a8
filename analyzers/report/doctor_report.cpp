// SPDX-License-Identifier: GPL-2.0-only
#include "report/doctor_report.h"

#include <fmt/format.h>

#include "report/format.h"

namespace aio::report {
namespace {

struct Section {
    std::string_view title;
    std::string_view prefix;
};

constexpr Section kSections[] = {
    {"kernel", "kernel."},
    {"BPF program kinds (loaded and attached by this process)", "bpf."},
    {"tracepoints used by trace", "tracepoint."},
    {"I/O interfaces (probe)", "aio."},
    {"", "io_uring"},
    {"privileges", "priv."},
};

}  // namespace

void render_doctor_text(std::ostream& out, const model::Capabilities& caps, const model::BackendPlan& plan)
{
    std::size_t label_width = 0;
    for (const auto& c : caps)
        label_width = std::max(label_width, display_width(c.label));

    for (const auto& section : kSections) {
        bool any = false;
        for (const auto& c : caps) {
            if (!c.id.starts_with(section.prefix))
                continue;
            if (!any && !section.title.empty())
                out << section.title << '\n';
            any = true;
            out << fmt::format("  {:<7} {}{}{}\n", model::name(c.status), c.label,
                               std::string(label_width - display_width(c.label) + 2, ' '), c.detail);
        }
    }
    out << '\n' << fmt::format("trace backend: {} ({})\n", model::name(plan.backend), plan.why);
    if (plan.backend != model::Backend::none)
        out << fmt::format("  syscall hooks: {}\n", model::describe(plan.syscall_hooks));
    if (!plan.unseen.empty()) {
        out << "  this backend cannot see:\n";
        for (const auto& u : plan.unseen)
            out << "    - " << u << '\n';
    }
    if (plan.backend == model::Backend::none && !plan.missing.empty()) {
        out << "  missing:";
        for (const auto& m : plan.missing)
            out << ' ' << m;
        out << '\n';
    }
}

nlohmann::json doctor_json(const model::Capabilities& caps, const model::BackendPlan& plan)
{
    nlohmann::json j;
    j["capabilities"] = nlohmann::json::array();
    for (const auto& c : caps)
        j["capabilities"].push_back(
            {{"id", c.id}, {"label", c.label}, {"status", model::name(c.status)}, {"detail", c.detail}});
    j["trace_backend"] = {{"backend", model::name(plan.backend)},
                          {"why", plan.why},
                          {"syscall_hooks", model::name(plan.syscall_hooks)},
                          {"cannot_see", plan.unseen},
                          {"missing", plan.missing}};
    return j;
}

}  // namespace aio::report
