// SPDX-License-Identifier: GPL-2.0-only
#include "scan/knowledge.h"

#include <algorithm>
#include <array>
#include <utility>

namespace aio::scan {
namespace {

template <std::size_t N> bool in(const std::array<std::string_view, N>& set, std::string_view s)
{
    return std::find(set.begin(), set.end(), s) != set.end();
}

// Sleeping calls. The families (wait_for_completion*, schedule_timeout*,
// wait_on_bit*) are matched by prefix below; these are the single names:
// sleeps (msleep & co), synchronous transfers (usb_bulk_msg, submit_bio_wait,
// blk_execute_rq, mmc_wait_for_req) and waits for other work (flush_*).
constexpr std::array<std::string_view, 32> kWaits = {"msleep",
                                                     "msleep_interruptible",
                                                     "ssleep",
                                                     "usleep_range",
                                                     "usleep_range_state",
                                                     "fsleep",
                                                     "io_schedule",
                                                     "io_schedule_timeout",
                                                     "blk_io_schedule",
                                                     "submit_bio_wait",
                                                     "blk_execute_rq",
                                                     "usb_bulk_msg",
                                                     "usb_control_msg",
                                                     "usb_interrupt_msg",
                                                     "usb_start_wait_urb",
                                                     "mmc_wait_for_req",
                                                     "flush_work",
                                                     "flush_delayed_work",
                                                     "flush_workqueue",
                                                     "drain_workqueue",
                                                     "wait_on_page_locked",
                                                     "wait_on_page_writeback",
                                                     "folio_wait_locked",
                                                     "folio_wait_writeback",
                                                     "wait_on_buffer",
                                                     "__wait_on_buffer",
                                                     "sync_dirty_buffer",
                                                     "wait_on_sync_kiocb",
                                                     "dma_sync_wait",
                                                     "synchronize_rcu",
                                                     "synchronize_srcu",
                                                     "rcu_barrier"};

constexpr std::array<std::string_view, 6> kDirectIo = {"iomap_dio_rw",
                                                       "__iomap_dio_rw",
                                                       "__blockdev_direct_IO",
                                                       "blockdev_direct_IO",
                                                       "generic_file_direct_write",
                                                       "iomap_dio_complete"};

// 6.x names, then 2.6's generic_file_aio_read/write.
constexpr std::array<std::string_view, 6> kGenericRw = {
    "generic_file_read_iter", "generic_file_write_iter", "__generic_file_write_iter",
    "generic_file_aio_read",  "generic_file_aio_write",  "__generic_file_aio_write"};

constexpr std::array<std::string_view, 7> kBuffered = {
    "filemap_read",           "generic_perform_write",       "generic_file_buffered_read",
    "do_generic_file_read",   "generic_file_buffered_write", "iomap_file_buffered_write",
    "do_generic_mapping_read"};

constexpr std::array<std::string_view, 8> kForwards = {
    "call_read_iter",     "call_write_iter",     "vfs_iter_read",          "vfs_iter_write",
    "vfs_iocb_iter_read", "vfs_iocb_iter_write", "backing_file_read_iter", "backing_file_write_iter"};

constexpr std::array<std::string_view, 16> kGuards = {"test_and_set_bit",
                                                      "test_and_clear_bit",
                                                      "test_and_set_bit_lock",
                                                      "xchg",
                                                      "cmpxchg",
                                                      "try_cmpxchg",
                                                      "atomic_xchg",
                                                      "atomic_cmpxchg",
                                                      "atomic_try_cmpxchg",
                                                      "atomic_long_xchg",
                                                      "atomic_long_cmpxchg",
                                                      "atomic_dec_and_test",
                                                      "refcount_dec_and_test",
                                                      "atomic_dec_and_lock",
                                                      "kref_put",
                                                      "test_and_clear_bit_lock"};

constexpr std::array<std::string_view, 22> kSubmits = {"hrtimer_start",
                                                       "hrtimer_start_range_ns",
                                                       "mod_timer",
                                                       "add_timer",
                                                       "queue_work",
                                                       "queue_work_on",
                                                       "queue_delayed_work",
                                                       "mod_delayed_work",
                                                       "schedule_work",
                                                       "schedule_delayed_work",
                                                       "kthread_queue_work",
                                                       "tasklet_schedule",
                                                       "tasklet_hi_schedule",
                                                       "usb_submit_urb",
                                                       "usb_ep_queue",
                                                       "submit_bio",
                                                       "blk_execute_rq_nowait",
                                                       "dmaengine_submit",
                                                       "dma_async_issue_pending",
                                                       "wake_up_process",
                                                       "blk_mq_run_hw_queues",
                                                       "queue_rcu_work"};

constexpr std::array<std::string_view, 40> kKeywords = {"if",       "else",     "while",
                                                        "for",      "do",       "switch",
                                                        "case",     "default",  "return",
                                                        "goto",     "break",    "continue",
                                                        "sizeof",   "typeof",   "__typeof__",
                                                        "__typeof", "_Alignof", "__alignof__",
                                                        "defined",  "struct",   "union",
                                                        "enum",     "const",    "volatile",
                                                        "static",   "extern",   "inline",
                                                        "unsigned", "signed",   "int",
                                                        "long",     "short",    "char",
                                                        "void",     "bool",     "asm",
                                                        "__asm__",  "offsetof", "__builtin_expect",
                                                        "NULL"};

}  // namespace

bool is_keyword(std::string_view s)
{
    // Called for every identifier of every walked body: reject on length
    // and first letter before comparing.
    if (s.size() < 2 || s.size() > 16)
        return s.starts_with("__builtin_");
    const char c = s[0];
    if (c != '_' && (c < 'a' || c > 'w') && c != 'N' && c != 'd')
        return false;
    return in(kKeywords, s) || s.starts_with("__builtin_");
}

Role call_role(std::string_view f)
{
    if (f.starts_with("wait_event") || f.starts_with("___wait_event") || f.starts_with("wait_var_event") ||
        f == "wait_woken" || f == "schedule")
        return Role::readiness_wait;
    if (f.starts_with("wait_for_completion") || f.starts_with("schedule_timeout") ||
        f.starts_with("wait_on_bit") || f.starts_with("schedule_hrtimeout") || in(kWaits, f))
        return Role::wait;
    if (in(kDirectIo, f))
        return Role::direct_io;
    if (in(kGenericRw, f))
        return Role::generic_rw;
    if (in(kBuffered, f))
        return Role::buffered_io;
    if (in(kForwards, f))
        return Role::forwards;
    if (f == "aio_complete")
        return Role::completes;
    if (f == "kick_iocb")
        return Role::kick;
    if (f == "kiocb_set_cancel_fn")
        return Role::cancel;
    if (f == "is_sync_kiocb")
        return Role::is_sync;
    if (in(kGuards, f))
        return Role::guard;
    if (in(kSubmits, f))
        return Role::submits;
    return Role::none;
}

bool waits_for_event(std::string_view f)
{
    return f.starts_with("wait_for_completion") || f == "flush_work" || f == "submit_bio_wait" ||
           f == "blk_execute_rq" || f == "usb_start_wait_urb" || f == "mmc_wait_for_req";
}

Role member_call_role(std::string_view m)
{
    if (m == "ki_complete")
        return Role::completes;
    if (m == "read_iter" || m == "write_iter" || m == "aio_read" || m == "aio_write")
        return Role::forwards;
    return Role::none;
}

std::string_view deferral_context(std::string_view via)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 30> kContexts = {{
        {"INIT_WORK", "workqueue"},
        {"__INIT_WORK", "workqueue"},
        {"INIT_DELAYED_WORK", "workqueue"},
        {"DECLARE_WORK", "workqueue"},
        {"DECLARE_DELAYED_WORK", "workqueue"},
        {"INIT_RCU_WORK", "workqueue"},
        {"kthread_init_work", "kthread worker"},
        {"timer_setup", "timer"},
        {"setup_timer", "timer"},
        {"hrtimer_setup", "timer"},
        {"DEFINE_TIMER", "timer"},
        {"function", "timer"},
        {"request_irq", "IRQ handler"},
        {"request_threaded_irq", "IRQ handler"},
        {"devm_request_irq", "IRQ handler"},
        {"devm_request_threaded_irq", "IRQ handler"},
        {"request_any_context_irq", "IRQ handler"},
        {"tasklet_init", "tasklet"},
        {"tasklet_setup", "tasklet"},
        {"DECLARE_TASKLET", "tasklet"},
        {"kthread_run", "kthread"},
        {"kthread_create", "kthread"},
        {"kiocb_set_cancel_fn", "cancel"},
        {"ki_cancel", "cancel"},
        {"complete", "completion callback"},
        {"bi_end_io", "bio completion"},
        {"end_io", "completion callback"},
        {"ki_complete", "kiocb completion"},
        {"callback", "callback"},
        {"INIT_LIST_HEAD", ""},
    }};
    for (const auto& [name, ctx] : kContexts)
        if (name == via)
            return ctx.empty() ? "callback" : ctx;
    return "callback";
}

KnownHandler known_handler(std::string_view name)
{
    if (name == "generic_file_read_iter" || name == "generic_file_write_iter" ||
        name == "generic_file_aio_read" || name == "generic_file_aio_write")
        return KnownHandler::generic_rw;
    if (name == "seq_read_iter")
        return KnownHandler::seq_file;
    return KnownHandler::none;
}

}  // namespace aio::scan
