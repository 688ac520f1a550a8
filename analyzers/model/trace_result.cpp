// SPDX-License-Identifier: GPL-2.0-only
#include "model/trace_result.h"

namespace aio::model {

std::string_view name(Api a)
{
    switch (a) {
    case Api::kernel_aio: return "libaio";
    case Api::io_uring: return "io_uring";
    case Api::posix_aio: return "posix";
    }
    return "?";
}

std::string TraceOp::display() const
{
    if (op.symbol.empty()) {
        if (api == Api::io_uring)
            return "(io_uring submission)";
        return op.kind == OpKind::write_iter ? "(no write_iter)" : "(no read_iter)";
    }
    return op.display();
}

}  // namespace aio::model
