// SPDX-License-Identifier: GPL-2.0-only
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "app_docs.h"
#include "command.h"
#include "env/run_info.h"
#include "model/errors.h"
#include "output.h"
#include "stop_signals.h"

namespace aio::cli {

std::string footer(std::string_view examples)
{
    std::string text = "\nEXAMPLES:\n";
    text += examples;
    text += "\nEXIT STATUS:\n"
            "  0 ok   1 findings or --expect not met   2 usage or input error\n"
            "  3 the kernel or privileges cannot do it   4 some targets could not be measured\n"
            "  130 stopped by SIGINT (Ctrl-C)   143 stopped by SIGTERM\n";
    return text;
}

std::vector<std::string> split_list(const std::string& text)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : text + ",") {
        if (c == ',') {
            if (!cur.empty())
                out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    return out;
}

}  // namespace aio::cli

int main(int argc, char** argv)
{
    aio::cli::capture_stdout_errors();
    aio::cli::CommandLine cli(
        "aio-audit: does io_submit return before the I/O completes, and if not, where does it block?\n"
        "Audits kernel AIO, io_uring and POSIX AIO per driver/filesystem: live with eBPF (trace),\n"
        "actively against files and devices (probe), statically over driver source (scan, check).",
        aio::cli::footer("  aio-audit probe                 classify the built-in default targets\n"
                         "  aio-audit probe /mnt/data       probe a temp file on that filesystem\n"
                         "  aio-audit doctor                what this kernel allows, which trace backend\n"
                         "  sudo aio-audit trace -d 10      trace every io_submit for 10 s\n"
                         "  aio-audit scan drivers/usb      static verdicts for driver source\n"));
    aio::cli::add_probe(cli.program());
    aio::cli::add_trace(cli.program());
    aio::cli::add_scan(cli.program());
    aio::cli::add_check(cli.program());
    aio::cli::add_doctor(cli.program());
    aio::cli::add_matrix(cli.program());

    // For the build (man pages, completion), from the definitions above;
    // not in --help: users get the installed files.
    if (argc == 3 && (std::string_view(argv[1]) == "--generate-man-page" ||
                      std::string_view(argv[1]) == "--generate-completion")) {
        const bool man = std::string_view(argv[1]) == "--generate-man-page";
        const aio::cli::AppDocs docs = cli.docs();
        const bool ok = man ? aio::cli::write_man_page(std::cout, docs, argv[2])
                            : aio::cli::write_completion(std::cout, docs, argv[2]);
        if (!ok) {
            std::cerr << "aio-audit: error: " << argv[1] << ": no '" << argv[2] << "' (man pages: aio-audit, "
                      << "aio-audit-COMMAND; shells: bash, zsh)\n";
            return aio::kExitUsage;
        }
        return aio::cli::check_stdout(aio::kExitOk);
    }

    if (const std::optional<int> code = cli.parse(argc, argv))
        return *code;

    std::vector<std::string> command_line(argv, argv + argc);
    aio::model::RunInfo info = aio::env::current_run_info(AIO_AUDIT_VERSION, std::move(command_line));
    info.subcommand = cli.selected();
    aio::cli::set_run_info(std::move(info));

    aio::cli::exit_on_stop_signals();
    try {
        return aio::cli::check_stdout(cli.run());
    } catch (const aio::Error& e) {
        std::cout.flush();
        std::cerr << "aio-audit: error: " << e.what() << "\n";
        if (!e.hint().empty())
            std::cerr << "hint: " << e.hint() << "\n";
        return e.code();
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "aio-audit: internal error: " << e.what() << "\n";
        return aio::kExitEnvironment;
    }
}
