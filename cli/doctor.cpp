// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>

#include "capabilities.h"
#include "collector/feature_probe.h"
#include "command.h"
#include "model/backend_plan.h"
#include "model/exit_codes.h"
#include "output.h"
#include "report/json_header.h"
#include "report/doctor_report.h"

namespace aio::cli {
namespace {

struct DoctorOptions {
    bool json = false;
    std::string output;
    bool no_mount = false;
    std::string backend;
    std::string attach_target = collector::kFeatureProbeKernelTarget;
};

int run_doctor(const DoctorOptions& opt)
{
    std::optional<model::Backend> forced;
    if (!opt.backend.empty())
        forced = model::parse_backend(opt.backend);
    ReportOutput out(opt.output);
    const auto [caps, plan] = plan_for_this_kernel(!opt.no_mount, opt.attach_target, forced);

    if (opt.json)
        out.stream() << report::stamped(report::doctor_json(caps, plan), run_info()).dump(2) << '\n';
    else
        report::render_doctor_text(out.stream(), caps, plan);
    out.finish();
    return plan.backend == model::Backend::none ? kExitEnvironment : kExitOk;
}

}  // namespace

void add_doctor(Command& program)
{
    auto opt = std::make_shared<DoctorOptions>();
    Command cmd = program.subcommand("doctor", "Show what this kernel and process allow, by trying it, "
                                               "and which trace backend would run");
    cmd.flag("--json", opt->json, "Machine-readable output");
    add_output_option(cmd, opt->output);
    cmd.flag("--no-mount", opt->no_mount, "Do not mount tracefs when it is missing");
    cmd.option("--backend", opt->backend, "Plan for this backend instead of the best one")
        .one_of({"fentry", "kprobe", "tracepoint"});
    cmd.option("--attach-target", opt->attach_target,
               "Kernel function to try fentry/fexit/kprobe/kretprobe against, e.g. a driver's read_iter")
        .capture_default_str();
    cmd.footer(footer("  aio-audit doctor\n"
                      "  aio-audit doctor --json | jq .trace_backend\n"
                      "  aio-audit doctor --backend kprobe   exit 3 if kprobes cannot run here\n"
                      "  aio-audit doctor --attach-target ext4_file_read_iter\n") +
               "  doctor: 0 when some trace backend can run, 3 when none can.\n");
    cmd.run([opt] { return run_doctor(*opt); });
}

}  // namespace aio::cli
