// SPDX-License-Identifier: GPL-2.0-only
#include "collector/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <mutex>
#include <vector>

#include "model/errors.h"

namespace aio::collector {
namespace {

std::mutex log_mutex;
std::string log_text;
int capture_depth = 0;

// AIO_AUDIT_LIBBPF_LOG=1: every libbpf message, verifier logs included, is
// also copied to stderr (docs/trace.md, "When a program does not load").
bool echo_to_stderr()
{
    static const bool on = [] {
        const char* v = std::getenv("AIO_AUDIT_LIBBPF_LOG");
        return v && *v && std::string_view(v) != "0";
    }();
    return on;
}

int capture_print(libbpf_print_level level, const char* format, va_list args)
{
    if (echo_to_stderr()) {
        va_list copy;
        va_copy(copy, args);
        std::vfprintf(stderr, format, copy);
        va_end(copy);
    }
    if (level == LIBBPF_DEBUG)
        return 0;
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (n <= 0)
        return 0;
    std::vector<char> buf(static_cast<std::size_t>(n) + 1);
    std::vsnprintf(buf.data(), buf.size(), format, args);
    std::lock_guard lock(log_mutex);
    log_text.append(buf.data(), static_cast<std::size_t>(n));
    return n;
}

}  // namespace

LibbpfLogCapture::LibbpfLogCapture()
{
    std::lock_guard lock(log_mutex);
    if (capture_depth++ == 0) {
        log_text.clear();
        libbpf_set_print(capture_print);
    }
}

LibbpfLogCapture::~LibbpfLogCapture()
{
    std::lock_guard lock(log_mutex);
    if (--capture_depth == 0)
        libbpf_set_print(nullptr);
}

const std::string& LibbpfLogCapture::text() const
{
    return log_text;
}

std::string LibbpfLogCapture::cause() const
{
    std::lock_guard lock(log_mutex);
    std::string best;
    std::size_t pos = 0;
    while (pos < log_text.size()) {
        auto nl = log_text.find('\n', pos);
        if (nl == std::string::npos)
            nl = log_text.size();
        std::string line = log_text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.starts_with("libbpf: "))
            line.erase(0, 8);
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        // Verifier dumps and "-- BEGIN/END PROG LOAD LOG --" frames are noise here.
        if (line.empty() || line.starts_with("--") || line.find("failed to load BPF skeleton") != std::string::npos)
            continue;
        if (line.starts_with("prog '") || best.empty() || !best.starts_with("prog '"))
            best = line;
    }
    return best;
}

std::string LibbpfLogCapture::describe(const std::string& stage, int err) const
{
    std::string text = stage + ": " + errno_text(err);
    const std::string why = cause();
    if (!why.empty())
        text += " (" + why + ")";
    return text;
}

void LibbpfLogCapture::clear()
{
    std::lock_guard lock(log_mutex);
    log_text.clear();
}

}  // namespace aio::collector
