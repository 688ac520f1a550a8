// SPDX-License-Identifier: GPL-2.0-only
//
// What the scanner knows about kernel functions it does not read: which
// ones sleep, which complete a kiocb, which hand the I/O to generic direct
// I/O or to the page cache, which defer a function to another context.
// Names span 2.6 to 6.x; each table says where its entries come from.
#pragma once

#include <cstdint>
#include <string_view>

namespace aio::scan {

enum class Role : std::uint8_t {
    none,
    wait,            // sleeps until something happens (completion, timeout, transfer)
    readiness_wait,  // sleeps until a condition holds: a readiness wait when O_NONBLOCK/IOCB_NOWAIT is
                     // honoured
    direct_io,       // generic direct I/O: async for O_DIRECT
    generic_rw,      // generic_file_{read,write}_iter & co: direct I/O when the module has ->direct_IO
    buffered_io,     // page-cache only
    forwards,        // hands the kiocb to another file
    completes,       // aio_complete(iocb, res, res2) (2.6 and 4.x)
    kick,            // kick_iocb(iocb): 2.6's retry-based completion
    cancel,          // kiocb_set_cancel_fn(iocb, fn)
    is_sync,         // is_sync_kiocb(iocb)
    guard,           // an atomic test that lets only one path through
    submits,         // starts work that finishes elsewhere: a timer, work item, URB, bio, USB request
};

// wait_for_completion*(): waits for one specific event, which after a
// submission on the same path is the request itself.
bool waits_for_event(std::string_view callee);

Role call_role(std::string_view callee);
// `->member(...)` calls: ki_complete completes, ->read_iter forwards.
Role member_call_role(std::string_view member);

// Where a function handed to `via` (a call like INIT_WORK, or a member
// assignment like `req->complete =`) later runs: "workqueue", "timer", ...
std::string_view deferral_context(std::string_view via);

// Library functions that fops name as handlers without defining them.
enum class KnownHandler : std::uint8_t { none, generic_rw, seq_file };
KnownHandler known_handler(std::string_view name);

// Identifiers that are never a function reference or call (keywords and
// operator-like builtins).
bool is_keyword(std::string_view s);

}  // namespace aio::scan
