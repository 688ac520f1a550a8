// SPDX-License-Identifier: GPL-2.0-only
#include "model/errors.h"

#include <cstring>
#include <string_view>

namespace aio {

std::string errno_text(int err)
{
    if (err < 0)
        err = -err;
    const char* sym = strerrorname_np(err);
    std::string text = sym ? sym : "E" + std::to_string(err);
    text += ": ";
    text += strerror(err);
    return text;
}

}  // namespace aio
