// SPDX-License-Identifier: GPL-2.0-only
#include "env/run_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <cstdio>

namespace aio::env {

model::RunInfo current_run_info(std::string tool_version, std::vector<std::string> command_line)
{
    model::RunInfo info;
    info.tool_version = std::move(tool_version);
    info.command_line = std::move(command_line);
    info.start = std::chrono::system_clock::now();
    struct utsname u {};
    if (::uname(&u) == 0) {
        info.kernel_release = u.release;
        info.machine = u.machine;
    }
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) == 0)
        info.host = host;
    return info;
}

bool kernel_at_least(int major, int minor)
{
    struct utsname u {};
    int have_major = 0, have_minor = 0;
    if (::uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &have_major, &have_minor) != 2)
        return false;
    return have_major > major || (have_major == major && have_minor >= minor);
}

}  // namespace aio::env
