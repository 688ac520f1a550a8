// SPDX-License-Identifier: GPL-2.0-only
#include "scan/knowledge.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <utility>

namespace aio::scan {
namespace {

using Table = std::unordered_map<std::string_view, Role>;

void put(Table& t, Role r, std::initializer_list<std::string_view> names)
{
    for (auto n : names)
        t.emplace(n, r);
}

const Table& table()
{
    static const Table table = [] {
        Table t;
        // Sleeping primitives; sleep_class() sorts them.
        put(t, Role::sleep,
            {"msleep", "msleep_interruptible", "ssleep", "usleep_range", "usleep_range_state", "fsleep",
             "io_schedule", "io_schedule_timeout", "blk_io_schedule", "schedule", "yield", "cond_resched",
             "cond_resched_lock", "cond_resched_rcu", "wait_woken", "flush_work", "flush_delayed_work",
             "flush_workqueue", "drain_workqueue", "synchronize_rcu", "synchronize_srcu", "rcu_barrier",
             "mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable", "mutex_lock_nested",
             "mutex_lock_io", "down", "down_interruptible", "down_killable", "down_timeout", "down_read",
             "down_read_killable", "down_read_interruptible", "down_write", "down_write_killable",
             "down_read_nested", "down_write_nested", "ldsem_down_read", "ldsem_down_write",
             "rt_mutex_lock", "rt_mutex_lock_interruptible", "ww_mutex_lock", "ww_mutex_lock_interruptible",
             "percpu_down_read", "percpu_down_write", "folio_lock", "folio_lock_killable", "__folio_lock",
             "__folio_lock_killable", "lock_page", "lock_page_killable", "__lock_page", "__lock_page_killable",
             "inode_lock", "inode_lock_shared", "inode_lock_nested", "inode_lock_killable",
             "inode_lock_shared_killable", "filemap_invalidate_lock", "filemap_invalidate_lock_shared",
             "mmap_read_lock", "mmap_write_lock", "lock_sock", "lock_sock_nested", "sb_start_write",
             "sb_start_pagefault", "sb_start_intwrite", "kiocb_start_write", "file_start_write",
             "ldsem_down_read_trylock", "tty_ldisc_ref_wait", "tty_lock", "tty_lock_interruptible",
             "tty_write_lock", "filemap_write_and_wait", "filemap_write_and_wait_range", "filemap_fdatawait",
             "filemap_fdatawait_range", "filemap_fdatawrite_wait_range", "kiocb_write_and_wait",
             "kiocb_invalidate_pages", "inode_dio_wait", "balance_dirty_pages",
             "balance_dirty_pages_ratelimited", "balance_dirty_pages_ratelimited_flags", "generic_write_sync",
             "vfs_fsync_range", "vfs_fsync", "wait_on_sync_kiocb", "folio_wait_stable", "filemap_fdatawrite",
             "filemap_fdatawrite_range", "filemap_fdatawrite_wbc", "__filemap_fdatawrite_range", "filemap_flush",
             "do_writepages", "filemap_invalidate_inode", "invalidate_inode_pages2", "invalidate_inode_pages2_range",
             "sync_mapping_buffers", "write_inode_now", "sync_inode_metadata", "writeback_single_inode",
             "filemap_write_and_wait_range", "file_write_and_wait_range", "sync_blockdev", "sync_filesystem",
             "wait_for_stable_page", "dma_sync_wait", "wait_for_device_probe"});
        // Synchronous transfers: the caller waits inline for its own I/O.
        put(t, Role::sync_transfer,
            {"submit_bio_wait", "blk_execute_rq", "blk_rq_map_kern", "usb_bulk_msg", "usb_control_msg",
             "usb_interrupt_msg", "usb_start_wait_urb", "mmc_wait_for_req", "mmc_wait_for_cmd", "spi_sync",
             "spi_write_then_read", "spi_sync_transfer", "i2c_transfer", "i2c_master_send", "i2c_master_recv",
             "i2c_smbus_xfer", "sb_bread", "__bread", "__bread_gfp", "bread", "ll_rw_block", "wait_on_buffer",
             "__wait_on_buffer", "sync_dirty_buffer", "bh_read", "bh_read_nowait_wait", "read_cache_page",
             "read_mapping_page", "read_cache_folio", "read_mapping_folio", "iomap_read_folio_sync",
             "block_read_full_folio_sync"});
        // Page-cache state waits: for someone's I/O on a shared folio, not this request's.
        put(t, Role::sleep,
            {"folio_wait_locked", "folio_wait_locked_killable", "wait_on_page_locked", "folio_wait_writeback",
             "folio_wait_writeback_killable", "wait_on_page_writeback", "folio_wait_bit", "folio_wait_bit_killable",
             "wait_on_page_bit", "wait_on_page_bit_killable"});
        put(t, Role::direct_io,
            {"iomap_dio_rw", "__iomap_dio_rw", "__blockdev_direct_IO", "blockdev_direct_IO",
             "generic_file_direct_write", "iomap_dio_complete"});
        // 6.x names, then 2.6's generic_file_aio_read/write.
        put(t, Role::generic_read, {"generic_file_read_iter", "generic_file_aio_read"});
        put(t, Role::generic_write,
            {"generic_file_write_iter", "__generic_file_write_iter", "generic_file_aio_write",
             "__generic_file_aio_write", "generic_file_aio_write_nolock", "__generic_file_aio_write_nolock"});
        put(t, Role::pagecache_read,
            {"filemap_read", "generic_file_buffered_read", "do_generic_file_read", "do_generic_mapping_read",
             "filemap_splice_read"});
        put(t, Role::pagecache_write,
            {"generic_perform_write", "generic_file_buffered_write", "iomap_file_buffered_write",
             "generic_file_buffered_write_nolock"});
        put(t, Role::reads_device,
            {"block_read_full_folio", "block_read_full_page", "mpage_read_folio", "mpage_readpage",
             "mpage_readahead", "mpage_readpages", "iomap_read_folio", "iomap_readpage", "iomap_readahead",
             "iomap_readpages", "block_write_begin", "cont_write_begin", "block_prepare_write",
             "cont_prepare_write", "__block_write_begin", "iomap_write_begin", "nobh_write_begin"});
        put(t, Role::forwards,
            {"call_read_iter", "call_write_iter", "vfs_iocb_iter_read", "vfs_iocb_iter_write",
             "backing_file_read_iter", "backing_file_write_iter"});
        put(t, Role::sync_forward, {"vfs_iter_read", "vfs_iter_write", "kernel_read", "kernel_write",
                                    "vfs_read", "vfs_write", "do_sync_read", "do_sync_write"});
        t.emplace("aio_complete", Role::completes);
        t.emplace("kick_iocb", Role::kick);
        t.emplace("kiocb_set_cancel_fn", Role::cancel);
        t.emplace("is_sync_kiocb", Role::is_sync);
        put(t, Role::guard,
            {"test_and_set_bit", "test_and_clear_bit", "test_and_set_bit_lock", "xchg", "cmpxchg", "try_cmpxchg",
             "atomic_xchg", "atomic_cmpxchg", "atomic_try_cmpxchg", "atomic_long_xchg", "atomic_long_cmpxchg",
             "atomic_dec_and_test", "refcount_dec_and_test", "atomic_dec_and_lock", "kref_put",
             "test_and_clear_bit_lock", "atomic_sub_and_test", "refcount_sub_and_test"});
        put(t, Role::submits,
            {"hrtimer_start", "hrtimer_start_range_ns", "mod_timer", "add_timer", "queue_work", "queue_work_on",
             "queue_delayed_work", "mod_delayed_work", "schedule_work", "schedule_delayed_work",
             "kthread_queue_work", "tasklet_schedule", "tasklet_hi_schedule", "usb_submit_urb", "usb_ep_queue",
             "submit_bio", "submit_bio_noacct", "generic_make_request", "submit_bh", "blk_execute_rq_nowait",
             "dmaengine_submit", "dma_async_issue_pending", "wake_up_process", "blk_mq_run_hw_queues",
             "queue_rcu_work", "rpc_run_task", "rpc_execute", "rpc_call_async"});
        put(t, Role::publishes,
            {"list_add", "list_add_tail", "list_add_rcu", "list_add_tail_rcu", "list_move", "list_move_tail",
             "llist_add", "hlist_add_head", "hlist_add_head_rcu", "xa_store", "__xa_store", "xa_insert",
             "idr_alloc", "idr_alloc_cyclic", "radix_tree_insert", "kfifo_put", "skb_queue_tail",
             "__skb_queue_tail"});
        put(t, Role::signals, {"complete", "complete_all"});
        put(t, Role::wait_setup,
            {"prepare_to_wait", "prepare_to_wait_exclusive", "prepare_to_wait_event", "add_wait_queue",
             "add_wait_queue_exclusive", "init_wait_entry"});
        t.emplace("need_resched", Role::need_resched);
        // Library code that neither sleeps for I/O nor completes a kiocb.
        put(t, Role::harmless,
            {"kmalloc", "kzalloc", "kcalloc", "kmalloc_array", "kvmalloc", "kvzalloc", "kvcalloc", "kfree",
             "kvfree", "kfree_sensitive", "krealloc", "kstrdup", "kstrndup", "kmemdup", "vmalloc", "vzalloc",
             "vfree", "alloc_page", "alloc_pages", "__get_free_page", "__get_free_pages", "get_zeroed_page",
             "free_page", "free_pages", "__free_page", "__free_pages", "put_page", "get_page", "folio_put",
             "folio_get", "mempool_alloc", "mempool_free", "kmem_cache_alloc", "kmem_cache_zalloc",
             "kmem_cache_free", "copy_to_iter", "copy_from_iter", "_copy_to_iter", "_copy_from_iter",
             "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter", "copy_folio_from_iter",
             "copy_from_iter_full", "csum_and_copy_to_iter", "copy_to_user", "copy_from_user",
             "__copy_to_user", "__copy_from_user", "raw_copy_to_user", "raw_copy_from_user", "clear_user",
             "get_user", "put_user", "__get_user", "__put_user", "strncpy_from_user", "memcpy", "memset",
             "memmove", "memcmp", "memchr", "strlen", "strnlen", "strcpy", "strncpy", "strscpy", "strlcpy",
             "strcmp", "strncmp", "strcat", "strchr", "strrchr", "strstr", "sprintf", "snprintf", "scnprintf",
             "vsnprintf", "kasprintf", "sscanf", "simple_read_from_buffer", "simple_write_to_buffer",
             "container_of", "min", "max", "min_t", "max_t", "clamp", "clamp_t", "clamp_val", "likely",
             "unlikely", "ARRAY_SIZE", "ERR_PTR", "PTR_ERR", "IS_ERR", "IS_ERR_OR_NULL", "ERR_CAST",
             "PTR_ERR_OR_ZERO", "READ_ONCE", "WRITE_ONCE", "smp_mb", "smp_rmb", "smp_wmb", "barrier",
             "mb", "rmb", "wmb", "dma_mb", "dma_rmb", "dma_wmb", "virt_mb", "virt_rmb", "virt_wmb", "smp_store_mb",
             "smp_load_acquire", "smp_store_release", "mutex_unlock", "up", "up_read", "up_write",
             "ldsem_up_read", "ldsem_up_write", "folio_unlock", "unlock_page", "inode_unlock",
             "inode_unlock_shared", "filemap_invalidate_unlock", "filemap_invalidate_unlock_shared",
             "release_sock", "sb_end_write", "kiocb_end_write", "file_end_write", "percpu_up_read",
             "percpu_up_write", "tty_unlock", "tty_write_unlock", "tty_ldisc_deref", "mutex_trylock",
             "down_read_trylock", "down_write_trylock", "spin_trylock", "rcu_read_lock", "rcu_read_unlock",
             "rcu_dereference", "rcu_assign_pointer", "local_irq_save", "local_irq_restore", "local_irq_disable",
             "local_irq_enable", "preempt_disable", "preempt_enable", "set_bit", "clear_bit", "test_bit",
             "__set_bit", "__clear_bit", "change_bit", "kref_get", "kref_init", "kref_read",
             "kref_get_unless_zero", "printk", "panic", "dump_stack", "might_sleep", "might_fault",
             "init_completion", "reinit_completion", "init_waitqueue_head", "init_waitqueue_entry",
             "finish_wait", "remove_wait_queue", "set_current_state", "__set_current_state",
             "INIT_LIST_HEAD", "list_del", "list_del_init", "list_empty", "list_splice", "list_splice_init",
             "list_first_entry", "list_entry", "list_last_entry", "list_first_entry_or_null", "hlist_del",
             "current_time", "ktime_get", "ktime_get_ns", "ktime_get_real_ts64", "jiffies_to_msecs",
             "msecs_to_jiffies", "usecs_to_jiffies", "time_after", "time_before", "get_jiffies_64",
             "file_inode", "file_dentry", "file_mnt_idmap", "i_size_read", "i_size_write", "iocb_flags",
             "kiocb_flags", "init_sync_kiocb", "file_accessed", "touch_atime", "file_update_time",
             "file_modified", "kiocb_modified", "file_remove_privs", "generic_write_checks",
             "generic_write_check_limits", "generic_write_checks_count", "rw_verify_area",
             "security_file_permission", "fsnotify_access", "fsnotify_modify", "signal_pending",
             "fatal_signal_pending", "capable", "ns_capable", "get_current", "task_pid_nr", "current_uid",
             "current_fsuid", "from_kuid", "from_kgid", "iminor", "imajor", "MINOR", "MAJOR", "MKDEV",
             "dma_map_single", "dma_unmap_single", "dma_map_page", "dma_unmap_page", "dma_map_sg",
             "dma_unmap_sg", "dma_alloc_coherent", "dma_free_coherent", "dma_sync_single_for_cpu",
             "dma_sync_single_for_device", "readl", "writel", "readw", "writew", "readb", "writeb", "readq",
             "writeq", "ioread8", "ioread16", "ioread32", "iowrite8", "iowrite16", "iowrite32", "inb", "outb",
             "inw", "outw", "inl", "outl", "readl_relaxed", "writel_relaxed", "usb_alloc_urb", "usb_free_urb",
             "usb_fill_bulk_urb", "usb_fill_int_urb", "usb_fill_control_urb", "usb_ep_alloc_request",
             "usb_ep_free_request", "usb_rcvbulkpipe", "usb_sndbulkpipe", "usb_kill_urb", "usb_unlink_urb",
             "usb_ep_dequeue", "bio_alloc", "bio_alloc_bioset", "bio_put", "bio_get", "bio_add_page",
             "bio_add_folio", "bio_init", "bio_set_dev", "bio_endio", "bio_iov_iter_get_pages", "bio_release_pages",
             "bio_set_pages_dirty", "bio_check_pages_dirty", "this_cpu_inc", "this_cpu_add", "this_cpu_read",
             "get_cpu", "put_cpu", "smp_processor_id", "raw_smp_processor_id", "ratelimit", "__ratelimit",
             "printk_ratelimit", "BUILD_BUG_ON", "WARN", "WARN_ON", "WARN_ON_ONCE", "WARN_ONCE", "BUG",
             "BUG_ON", "VM_BUG_ON", "VM_WARN_ON", "lockdep_assert_held", "lockdep_assert_held_write",
             "kiocb_clone", "is_sync_kiocb", "get_file", "fput", "fget", "fdget", "fdput", "dget", "dput",
             "iget_locked", "ihold", "iput", "igrab", "mntget", "mntput", "path_get", "path_put", "put_pid",
             "get_pid", "ktime_add_ns", "ktime_sub", "ktime_to_ns", "ns_to_ktime", "hrtimer_init",
             "hrtimer_cancel", "hrtimer_try_to_cancel", "del_timer", "del_timer_sync", "timer_delete",
             "timer_delete_sync", "cancel_work", "cancel_work_sync", "cancel_delayed_work",
             "cancel_delayed_work_sync", "__init_work", "get_random_u32", "prandom_u32", "crc32", "crc32c",
             "kobject_uevent", "sysfs_notify", "kill_fasync", "eventfd_signal", "poll_wait", "memcpy_fromio",
             "memcpy_toio", "memset_io", "virt_to_page", "page_address", "kmap", "kunmap", "kmap_local_page",
             "kmap_local_folio", "kunmap_local", "kmap_atomic", "kunmap_atomic", "flush_dcache_page",
             "flush_dcache_folio", "folio_address", "folio_size", "folio_pos", "folio_mark_dirty",
             "set_page_dirty", "mark_page_accessed", "folio_mark_accessed", "folio_test_uptodate",
             "PageUptodate", "SetPageUptodate", "folio_mark_uptodate", "zero_user_segments", "zero_user",
             "folio_zero_range", "folio_zero_segment", "zero_user_segment", "iov_iter_count",
             "iov_iter_advance", "iov_iter_revert", "iov_iter_zero", "iov_iter_truncate", "iov_iter_reexpand",
             "iov_iter_init", "iov_iter_kvec", "iov_iter_bvec", "iov_iter_xarray", "iov_iter_ubuf",
             "iov_iter_is_pipe", "iov_iter_is_bvec", "iov_iter_is_kvec", "iov_iter_is_discard",
             "iov_iter_rw", "iov_iter_alignment", "iov_iter_npages", "iov_iter_get_pages",
             "iov_iter_get_pages2", "iov_iter_get_pages_alloc", "iov_iter_get_pages_alloc2",
             "iov_iter_extract_pages", "iov_iter_single_seg_count", "iov_iter_single_seg_page_offset",
             "iter_is_iovec", "iter_is_ubuf", "user_backed_iter", "iov_iter_save_state",
             "iov_iter_restore", "fault_in_iov_iter_readable", "fault_in_iov_iter_writeable",
             "import_iovec", "import_single_range", "import_ubuf", "iov_length", "iov_shorten",
             "memcpy_toiovec", "memcpy_fromiovec", "memcpy_toiovecend", "memcpy_fromiovecend",
             "iov_iter_extract_will_pin", "dup_iter"});
        return t;
    }();
    return table;
}

// Prefixes of families the tables above cannot list one by one.
Role prefix_role(std::string_view f)
{
    if (f.starts_with("wait_event") || f.starts_with("___wait_event") || f.starts_with("__wait_event") ||
        f.starts_with("wait_var_event") || f.starts_with("wait_for_completion") ||
        f.starts_with("schedule_timeout") || f.starts_with("schedule_hrtimeout") || f.starts_with("wait_on_bit") ||
        f.starts_with("out_of_line_wait_on_bit") || f.starts_with("wait_on_atomic_t"))
        return Role::sleep;
    if (f.starts_with("wake_up") || f.starts_with("__wake_up") || f.starts_with("wake_up_var") ||
        f.starts_with("wake_up_bit") || f.starts_with("complete_"))
        return Role::signals;
    if (f.starts_with("trace_") || f.starts_with("pr_") || f.starts_with("dev_") || f.starts_with("netdev_") ||
        f.starts_with("atomic_") || f.starts_with("atomic64_") || f.starts_with("refcount_") ||
        f.starts_with("spin_") || f.starts_with("raw_spin_") || f.starts_with("read_lock") ||
        f.starts_with("write_lock") || f.starts_with("read_unlock") || f.starts_with("write_unlock") ||
        f.starts_with("rcu_") || f.starts_with("lockdep_") || f.starts_with("kasan_") ||
        f.starts_with("kmsan_") || f.starts_with("kcsan_") || f.starts_with("debug_") ||
        f.starts_with("WARN") || f.starts_with("BUILD_BUG") || f.starts_with("bitmap_") ||
        f.starts_with("seq_") || f.starts_with("copy_to_") || f.starts_with("copy_from_") ||
        f.starts_with("copy_user") || f.starts_with("__copy_") || f.starts_with("_copy_") ||
        f.starts_with("ktime_") || f.starts_with("this_cpu_") || f.starts_with("__this_cpu_") ||
        f.starts_with("per_cpu") || f.starts_with("local_irq_") || f.starts_with("local_bh_") ||
        f.starts_with("preempt_") || f.starts_with("smp_mb__") || f.starts_with("smp_acquire__") ||
        f.starts_with("__builtin_") || f.starts_with("static_branch") ||
        f.starts_with("static_key") || f.starts_with("unsafe_") || f.starts_with("user_access_") ||
        f.starts_with("kunit_") || f.starts_with("audit_") || f.starts_with("security_") ||
        f.starts_with("fsnotify") || f.starts_with("list_for_each") || f.starts_with("hlist_for_each") ||
        f.starts_with("for_each_") || f.starts_with("le16_") || f.starts_with("le32_") ||
        f.starts_with("le64_") || f.starts_with("be16_") || f.starts_with("be32_") ||
        f.starts_with("be64_") || f.starts_with("cpu_to_") || f.starts_with("get_unaligned") ||
        f.starts_with("put_unaligned") || f.starts_with("mem_cgroup_") || f.starts_with("count_vm_") ||
        f.starts_with("__count_vm_") || f.starts_with("inc_") || f.starts_with("dec_") ||
        f.starts_with("task_io_account") || f.starts_with("kobject_") || f.starts_with("xa_lock") ||
        f.starts_with("xa_unlock") || f.starts_with("xas_") || f.starts_with("iov_iter_") ||
        f.starts_with("sg_") || f.starts_with("clear_bit") || f.starts_with("set_bit") ||
        // Page and folio flag accessors, generated by macros (page-flags.h).
        f.starts_with("folio_test_") || f.starts_with("folio_set_") || f.starts_with("folio_clear_") ||
        f.starts_with("__folio_set_") || f.starts_with("__folio_clear_") || f.starts_with("Page") ||
        f.starts_with("SetPage") || f.starts_with("ClearPage") || f.starts_with("TestSetPage") ||
        f.starts_with("TestClearPage") || f.starts_with("__SetPage") || f.starts_with("__ClearPage") ||
        // 64-bit arithmetic (linux/math64.h, asm/div64.h).
        f.starts_with("div_u64") || f.starts_with("div_s64") || f.starts_with("div64_") || f == "do_div" ||
        f.starts_with("mul_u64_") || f.starts_with("mul_u32_"))
        return Role::harmless;
    return Role::none;
}

constexpr std::array<std::string_view, 36> kKeywords = {
    "if",          "else",     "while",   "for",     "do",       "switch",   "case",      "default",
    "return",      "goto",     "break",   "continue", "sizeof",  "typeof",   "__typeof__", "__typeof",
    "_Alignof",    "__alignof__", "defined", "struct", "union",    "enum",     "const",     "volatile",
    "static",      "extern",   "inline",  "unsigned", "signed",  "int",      "long",      "short",
    "char",        "void",     "bool",    "NULL"};

}  // namespace

bool is_keyword(std::string_view s)
{
    // Called for every identifier of every walked body: reject on length
    // and first letter before comparing.
    if (s.size() < 2 || s.size() > 11)
        return s.starts_with("__builtin_") || s == "__alignof__" || s == "offsetof" || s == "asm" ||
               s == "__asm__";
    const char c = s[0];
    if (c != '_' && (c < 'a' || c > 'w') && c != 'N')
        return false;
    return std::find(kKeywords.begin(), kKeywords.end(), s) != kKeywords.end() || s == "asm" ||
           s == "__asm__" || s == "offsetof" || s.starts_with("__builtin_");
}

Role call_role(std::string_view f)
{
    const auto& t = table();
    if (auto it = t.find(f); it != t.end())
        return it->second;
    return prefix_role(f);
}

SleepClass sleep_class(std::string_view f)
{
    static constexpr std::string_view kLocks[] = {
        "mutex_lock", "down", "ldsem_down", "rt_mutex_lock", "ww_mutex_lock", "percpu_down", "folio_lock",
        "__folio_lock", "lock_page", "__lock_page", "inode_lock", "filemap_invalidate_lock", "mmap_read_lock",
        "mmap_write_lock", "lock_sock", "sb_start_", "kiocb_start_write", "file_start_write", "tty_lock",
        "tty_write_lock", "tty_ldisc_ref_wait", "wait_on_bit_lock", "out_of_line_wait_on_bit_lock"};
    for (auto p : kLocks)
        if (f.starts_with(p))
            return SleepClass::lock;
    if (f == "cond_resched" || f.starts_with("cond_resched_") || f == "schedule" || f == "yield")
        return SleepClass::preemption;
    if (f == "msleep" || f == "msleep_interruptible" || f == "ssleep" || f.starts_with("usleep_range") ||
        f == "fsleep")
        return SleepClass::delay;
    if (f.starts_with("flush_") || f == "drain_workqueue" || f.starts_with("synchronize_") ||
        f == "rcu_barrier" || f.starts_with("filemap_") || f.starts_with("kiocb_write_and_wait") ||
        f == "kiocb_invalidate_pages" || f == "inode_dio_wait" || f.starts_with("balance_dirty_pages") ||
        f == "generic_write_sync" || f.starts_with("vfs_fsync") || f == "folio_wait_stable" ||
        f == "wait_for_stable_page" || f == "dma_sync_wait" || f == "wait_for_device_probe" ||
        f == "do_writepages" || f.starts_with("invalidate_inode_pages2") || f.starts_with("sync_") ||
        f == "write_inode_now" || f == "writeback_single_inode" || f == "file_write_and_wait_range" ||
        f.starts_with("folio_wait_") || f.starts_with("wait_on_page_"))
        return SleepClass::resource;
    return SleepClass::event;
}

int waited_argument(std::string_view)
{
    // wait_event*(wq, cond), wait_for_completion*(&x), wait_on_bit*(word, ...),
    // wait_var_event*(var, cond): always the first.
    return 0;
}

bool is_timed(std::string_view f)
{
    return f.find("timeout") != std::string_view::npos;
}

int published_argument(std::string_view f)
{
    if (f.starts_with("list_") || f.starts_with("llist_") || f.starts_with("hlist_"))
        return 0;
    if (f == "xa_store" || f == "__xa_store" || f == "xa_insert" || f == "radix_tree_insert")
        return 2;
    if (f == "idr_alloc" || f == "idr_alloc_cyclic" || f == "kfifo_put" || f == "skb_queue_tail" ||
        f == "__skb_queue_tail" || f == "queue_work" || f == "queue_delayed_work" || f == "mod_delayed_work" ||
        f == "kthread_queue_work" || f == "usb_ep_queue")
        return 1;
    if (f == "queue_work_on")
        return 2;
    return -1;
}

Role member_call_role(std::string_view m, std::string_view root, std::string_view owner)
{
    if (m == "ki_complete")
        return Role::completes;
    if (m == "read_iter" || m == "write_iter" || m == "aio_read" || m == "aio_write")
        return Role::forwards;
    if (owner == "ops") {
        // net/socket.c -> the protocol (struct proto_ops, chosen at
        // socket()): stream and datagram protocols sleep only for data or
        // buffer space (sk_wait_data, sk_stream_wait_memory), which
        // MSG_DONTWAIT refuses. None in 2.6.20 or 6.x returns -EIOCBQUEUED
        // from sendmsg (6.x: BUG_ON in sock_sendmsg_nosec); 6.x AF_ALG's
        // async recvmsg gets the kiocb through msg->msg_iocb, not here.
        if (root == "sock" && (m == "recvmsg" || m == "sendmsg"))
            return Role::protocol_io;
        // ALSA (struct snd_pcm_ops): a driver's copy/silence moves frames
        // between the caller's buffer and the hardware ring buffer (a
        // memcpy/copy_from_user into DMA or I/O memory); it starts and
        // waits for nothing.
        if (root == "substream" &&
            (m == "copy" || m == "silence" || m == "copy_user" || m == "copy_kernel" || m == "fill_silence"))
            return Role::harmless;
    }
    return Role::none;
}

std::string_view deferral_context(std::string_view via)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 34> kContexts = {{
        {"INIT_WORK", "workqueue"},
        {"__INIT_WORK", "workqueue"},
        {"INIT_DELAYED_WORK", "workqueue"},
        {"DECLARE_WORK", "workqueue"},
        {"DECLARE_DELAYED_WORK", "workqueue"},
        {"INIT_RCU_WORK", "workqueue"},
        {"INIT_WORK_ONSTACK", "workqueue"},
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
        {"rpc_call_done", "RPC completion"},
        {"rpc_release", "RPC completion"},
        {"rpc_call_prepare", "RPC completion"},
        {"INIT_LIST_HEAD", ""},
    }};
    for (const auto& [name, ctx] : kContexts)
        if (name == via)
            return ctx.empty() ? "callback" : ctx;
    return "callback";
}

KnownHandler known_handler(std::string_view name)
{
    const Role r = call_role(name);
    if (r == Role::generic_read)
        return KnownHandler::generic_read;
    if (r == Role::generic_write)
        return KnownHandler::generic_write;
    if (name == "seq_read_iter")
        return KnownHandler::seq_file;
    return KnownHandler::none;
}

bool refuses_direct_io(std::string_view fn)
{
    return fn == "noop_direct_IO" || fn == "NULL" || fn == "0";
}

std::string_view negotiated_feature(std::string_view member)
{
    // FUSE: fc->async_dio is set only when the daemon's INIT reply carries
    // FUSE_ASYNC_DIO (fs/fuse/inode.c); fuse_direct_IO queues only then.
    if (member == "async_dio")
        return "protocol:fuse-async-dio";
    return {};
}

}  // namespace aio::scan
