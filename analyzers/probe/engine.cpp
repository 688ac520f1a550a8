// SPDX-License-Identifier: GPL-2.0-only
#include "probe/engine.h"

#include <algorithm>
#include <cerrno>

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

void Engine::finish(unsigned slot, ReapResult& out)
{
    busy_[slot] = false;
    --in_flight_;
    out.slots.push_back(slot);
}

void Engine::take_done(ReapResult& out)
{
    for (unsigned slot : done_)
        if (busy_[slot])
            finish(slot, out);
    done_.clear();
}

void Engine::time_out_busy(ReapResult& out)
{
    for (unsigned slot = 0; slot < slots(); ++slot) {
        if (busy_[slot]) {
            samples_[slot].result = -ETIME;
            finish(slot, out);
        }
    }
}

void Engine::mark_helper_activity(unsigned ran, unsigned appeared, std::vector<bool>& touched)
{
    helper_threads_ = std::max(helper_threads_, ran + appeared);
    for (unsigned slot = 0; slot < slots(); ++slot) {
        if (touched[slot] && (ran || appeared) && samples_[slot].submitted)
            samples_[slot].punted = true;
        touched[slot] = busy_[slot];
    }
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
