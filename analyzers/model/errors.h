// SPDX-License-Identifier: GPL-2.0-only
//
// Fatal user-facing errors. Recoverable problems are return values; an
// aio::Error is thrown only when the command cannot go on, and main() prints
// it once as "aio-audit: error: <what>" followed by the hint.
#pragma once

#include <stdexcept>
#include <string>

#include "model/exit_codes.h"

namespace aio {

class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& what, std::string hint = {})
        : std::runtime_error(what), code_(code), hint_(std::move(hint)) {}
    ExitCode code() const { return code_; }
    const std::string& hint() const { return hint_; }

private:
    ExitCode code_;
    std::string hint_;
};

struct UsageError : Error {
    explicit UsageError(const std::string& what, std::string hint = {})
        : Error(kExitUsage, what, std::move(hint)) {}
};

struct EnvironmentError : Error {
    explicit EnvironmentError(const std::string& what, std::string hint = {})
        : Error(kExitEnvironment, what, std::move(hint)) {}
};

// "strerror(errno)" with the symbolic name, e.g. "EINVAL: Invalid argument".
std::string errno_text(int err);

}  // namespace aio
