// SPDX-License-Identifier: GPL-2.0-only
#include "probe/engine.h"

namespace aio::probe {

std::string_view name(EngineKind k)
{
    switch (k) {
    case EngineKind::libaio: return "libaio";
    case EngineKind::io_uring: return "io_uring";
    case EngineKind::posix: return "posix";
    }
    return "?";
}

std::optional<EngineKind> parse_engine(std::string_view text)
{
    for (EngineKind k : {EngineKind::libaio, EngineKind::io_uring, EngineKind::posix})
        if (name(k) == text)
            return k;
    if (text == "uring")
        return EngineKind::io_uring;
    if (text == "posix-aio" || text == "glibc")
        return EngineKind::posix;
    return std::nullopt;
}

std::unique_ptr<Engine> make_engine(EngineKind kind, unsigned slots)
{
    switch (kind) {
    case EngineKind::libaio: return make_libaio_engine(slots);
    case EngineKind::io_uring: return make_uring_engine(slots);
    case EngineKind::posix: return make_posix_engine(slots);
    }
    return nullptr;
}

}  // namespace aio::probe
