// SPDX-License-Identifier: GPL-2.0-only
#include "version.h"

#include <sys/utsname.h>

#include <bpf/libbpf.h>

namespace aio::cli {

// git_commit.cpp, written by cmake/GitCommit.cmake at build time.
extern const char* const kGitCommit;

std::string version_text()
{
    // No newline at the end: CLI11 adds one.
    std::string text = std::string("aio-audit ") + AIO_AUDIT_VERSION + " (commit " + kGitCommit + ")\n";
    // The run-time library can differ from the headers the binary was built
    // with (a newer libbpf1 package); both matter when a load fails.
    std::string libbpf = libbpf_version_string();
    if (!libbpf.empty() && libbpf.front() == 'v')
        libbpf.erase(0, 1);
    text += "libbpf " + libbpf + " (built with " AIO_AUDIT_LIBBPF_BUILD_VERSION ")\n";
    struct utsname u {};
    if (::uname(&u) == 0)
        text += std::string("kernel ") + u.release + " " + u.machine;
    return text;
}

}  // namespace aio::cli
