// SPDX-License-Identifier: GPL-2.0-only
//
// What the scanner knows about kernel functions without reading them: the
// sleeping primitives and what kind of sleep each is, the generic I/O
// engines (direct I/O, the page cache) and which per-module operation each
// one calls, the calls that complete or relay a kiocb, the calls that hand
// an object to another context, and library code that can neither sleep
// for I/O nor complete a kiocb (not followed, never "unresolved"). Names
// span 2.6 to 6.x; each table says where its entries come from.
#pragma once

#include <cstdint>
#include <string_view>

namespace aio::scan {

enum class Role : std::uint8_t {
    none,
    harmless,         // library code that cannot matter: not followed, not reported
    sleep,            // a sleeping primitive; sleep_class() says which kind
    sync_transfer,    // a synchronous transfer: waits inline for its own I/O (blocking)
    direct_io,        // a generic asynchronous direct-I/O engine fed the caller's kiocb
    generic_read,     // generic_file_read_iter & co: O_DIRECT -> ->direct_IO, else the page cache
    generic_write,    // generic_file_write_iter & co: O_DIRECT -> ->direct_IO, else the page cache
    pagecache_read,   // filemap_read & co: a miss calls the module's ->read_folio and waits for it
    pagecache_write,  // generic_perform_write & co: ->write_begin may read the block first
    reads_device,     // fills a page cache folio from the block device (block_read_full_folio, ...)
    forwards,         // hands the caller's kiocb to another file's ->read_iter/->write_iter
    sync_forward,     // calls another file synchronously (its own kiocb, waited for)
    completes,        // aio_complete(iocb, res, res2) (2.6 and 4.x)
    kick,             // kick_iocb(iocb): 2.6's retry-based completion
    cancel,           // kiocb_set_cancel_fn(iocb, fn)
    is_sync,          // is_sync_kiocb(iocb)
    guard,            // an atomic test that lets only one path through
    submits,          // starts work that finishes elsewhere: a timer, work item, URB, bio, USB request
    publishes,        // links an object where another context finds it (list_add, xa_store)
    signals,          // complete()/wake_up*(): wakes a waiter
    wait_setup,       // prepare_to_wait()/add_wait_queue(): the queue a later schedule() sleeps on
    need_resched,     // need_resched(): a following schedule() only yields the CPU
};

// The kinds of sleep (DESIGN.md, "Static verdicts"). Only a wait for the
// request's own transfer decides a verdict; the others are may-sleep facts.
enum class SleepClass : std::uint8_t {
    event,       // waits for an event on an object (completion, wait queue, bit, variable): the
                 // analyzer decides whether that object is the request's own transfer
    lock,        // mutex, rwsem, ldsem, bit lock, percpu rwsem
    resource,    // flushes, throttling, connection or state waits
    preemption,  // cond_resched(), a bare schedule()
    delay,       // msleep() & co: a timed sleep in the I/O path, waits inline
};

Role call_role(std::string_view callee);
SleepClass sleep_class(std::string_view callee);
// The argument that names the waited object (0-based), for event waits.
int waited_argument(std::string_view callee);
// A sleep that returns only at a deadline or for a signal: wait_event_timeout, ...
bool is_timed(std::string_view callee);

// `->member(...)` calls: ki_complete completes, ->read_iter forwards.
Role member_call_role(std::string_view member);

// Where a function handed to `via` (a call like INIT_WORK, or a member
// assignment like `req->complete =`) later runs: "workqueue", "timer", ...
std::string_view deferral_context(std::string_view via);

// Library functions that fops name as handlers without defining them.
enum class KnownHandler : std::uint8_t { none, generic_read, generic_write, seq_file };
KnownHandler known_handler(std::string_view name);

// Identifiers that are never a function reference or call (keywords and
// operator-like builtins).
bool is_keyword(std::string_view s);

// The module operations a generic engine calls, by the member's name:
// ->direct_IO for generic_file_*_iter under O_DIRECT, ->read_folio (2.6:
// ->readpage) for a page-cache miss, ->write_begin (2.6: ->prepare_write).
inline constexpr std::string_view kDirectIoOps[] = {"direct_IO"};
inline constexpr std::string_view kReadFolioOps[] = {"read_folio", "readpage", "readahead", "readpages"};
inline constexpr std::string_view kWriteBeginOps[] = {"write_begin", "prepare_write"};
// ->direct_IO that refuses (noop_direct_IO returns -EINVAL for every request).
bool refuses_direct_io(std::string_view fn);

}  // namespace aio::scan
