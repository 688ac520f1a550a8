// SPDX-License-Identifier: GPL-2.0-only
//
// libbpf prints its diagnostics through one process-wide callback. While a
// LibbpfLogCapture is alive, they are kept (not printed) so that a refusal
// can be reported as one line with its cause instead of a verifier dump.
#pragma once

#include <string>

namespace aio::collector {

class LibbpfLogCapture {
public:
    LibbpfLogCapture();
    ~LibbpfLogCapture();
    LibbpfLogCapture(const LibbpfLogCapture&) = delete;
    LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

    const std::string& text() const;
    // The most telling line: the last one naming a program ("prog 'x': ..."),
    // else the last line libbpf printed, trimmed.
    std::string cause() const;
    // "STAGE: ENAME: strerror (cause)", the one line a refusal is reported as.
    std::string describe(const std::string& stage, int err) const;
    void clear();
};

}  // namespace aio::collector
