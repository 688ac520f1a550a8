// SPDX-License-Identifier: GPL-2.0-only
//
// Walks one function body statement by statement and records what matters
// for AIO — calls, function references, -EIOCBQUEUED, IOCB_NOWAIT, ... —
// each with the branch path that leads to it. Two events whose paths take
// different arms of the same if/switch cannot happen in one call: that is
// how the scanner tells "waits in the sync branch, queues in the async one"
// (f_fs, gadgetfs, block/fops.c) from "queues, then waits" (fake-async).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "scan/parsed_file.h"

namespace aio::scan {

// Branches on the same struct member (`if (p->aio)` in one function,
// `else if (!io_data->aio)` in its callee) and on is_sync_kiocb() are
// taken as one decision across the whole call tree: their steps carry this
// instance, which the call-tree builder leaves as it is.
inline constexpr std::uint32_t kSharedDecision = 0xFFFF'FFFFu;
// The scope of the O_DIRECT decision (`iocb->ki_flags & IOCB_DIRECT`, 2.6's
// `file->f_flags & O_DIRECT`): arm 1 runs only for O_DIRECT requests, arm 0
// only for the others. Shared across the tree like the decisions above.
inline constexpr std::uint32_t kDirectScope = 0x4449'5245u;

struct PathStep {
    std::uint32_t instance = 0;  // which inlined copy of the function (0 inside the walker)
    std::uint32_t scope = 0;     // the if/switch, by its token index
    std::uint32_t arm = 0;
    bool sync_only = false;  // this arm runs only for synchronous kiocbs (is_sync_kiocb)
};
using Path = std::vector<PathStep>;

// Can one execution reach both?
bool compatible(const Path& a, const Path& b);
bool sync_only(const Path& p);
// +1: the path runs only for O_DIRECT requests; -1: only for the others; 0: both.
int direct_only(const Path& p);

enum class Ev : std::uint8_t {
    call,           // name(...)
    member_call,    // x->name(...) / x.name(...)
    ref,            // a bare identifier: maybe a function handed to someone (callback)
    queued,         // -EIOCBQUEUED / -EIOCBRETRY as a value
    queued_cmp,     // compared against: a callee's -EIOCBQUEUED passed through
    nowait,         // IOCB_NOWAIT
    nonblock,       // O_NONBLOCK / O_NDELAY
    eagain,         // -EAGAIN / -EWOULDBLOCK
    cancel_assign,  // 2.6: iocb->ki_cancel = fn
    fmode_nowait,   // f_mode |= FMODE_NOWAIT
};

struct Event {
    Ev kind = Ev::call;
    std::uint32_t tok = 0;
    std::uint32_t line = 0;
    std::string_view name;
    // For refs: the call it is an argument of, or the member it is assigned
    // to ("INIT_WORK", "complete"). For calls and queued: the variable the
    // value is assigned to (`ret = f()`, `ret = -EIOCBQUEUED`), if any.
    std::string_view via;
    std::uint32_t args_begin = 0;
    std::uint32_t args_end = 0;
    std::uint32_t nargs = 0;
    std::uint8_t role = 0;  // calls: call_role(name); member calls: member_call_role(name) (knowledge.h)
    Path path;
};

struct FunctionFacts {
    std::vector<Event> events;
};

FunctionFacts walk_function(const TokenSpan& code, const FunctionDef& fn);

// The names of a function's parameters, in order ("" where one has none).
std::vector<std::string_view> parameter_names(const TokenSpan& code, const FunctionDef& fn);

}  // namespace aio::scan
