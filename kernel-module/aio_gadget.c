// SPDX-License-Identifier: GPL-2.0-only
/*
 * aio_gadget - character devices whose asynchronous-I/O behaviour is known
 * exactly, so that aio-audit's probe, trace and scan can be checked against
 * the truth instead of against a guess.
 *
 * One misc device per behaviour, under /dev/aio_gadget/:
 *
 *   async       returns -EIOCBQUEUED and completes the request later from
 *               another context: an hrtimer (hard interrupt, where a real
 *               device's completion interrupt would run) queues a work item,
 *               which calls ki_complete().  Sets FMODE_NOWAIT and honours
 *               IOCB_NOWAIT; io_cancel() works.
 *   sync        copies inline and returns the byte count.
 *   blocking    sleeps for the device latency inline, then returns the
 *               byte count.
 *   fake-async  hands the request to the same deferred machinery as async,
 *               then waits for that very request inside the call and only
 *               then returns -EIOCBQUEUED: asynchronous in name only.
 *   mixed       async for requests of mixed_threshold bytes or more, sync
 *               below.
 *   noiter      no read_iter/write_iter, only the old read/write: kernel
 *               AIO refuses it with -EINVAL.
 *
 * Data moves at submission: reads fill the caller's buffer with the pattern
 * described in aio_gadget.h and writes are compared against it, while the
 * caller's iov_iter is still valid (it lives on the submitter's stack in
 * fs/aio.c).  The devices differ only in when and where a request completes
 * and whether the caller sleeps - which is exactly what aio-audit measures.
 *
 * The read_iter/write_iter handlers are noinline with stable names
 * (gadget_<device>_{read,write}_iter) so that fentry and kprobes have
 * fixed targets.  Counters per device are in debugfs (see aio_gadget.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aio.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "aio_gadget.h"

#if !__has_include("gadget_compat.h")
#error "gadget_compat.h is generated: build with the Makefile in kernel-module/"
#endif
#include "gadget_compat.h"

#if !defined(GADGET_HAVE_KI_COMPLETE_2ARGS) && !defined(GADGET_HAVE_KI_COMPLETE_3ARGS)
#error "neither ki_complete() prototype compiles: see compat/build.log in the build directory"
#endif

/* ------------------------------------------------------------------------
 * Parameters (writable in /sys/module/aio_gadget/parameters/)
 */

static unsigned int latency_us = 5000;
static unsigned int mixed_threshold = 4096;
static unsigned int queue_depth = 64;
static unsigned char pattern = 0x5a;
static bool verify_writes = true;

static int gadget_param_set_range(const char *val, const struct kernel_param *kp, unsigned int min,
				  unsigned int max)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < min || n > max)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static int gadget_latency_set(const char *val, const struct kernel_param *kp)
{
	return gadget_param_set_range(val, kp, 0, AIO_GADGET_MAX_LATENCY_US);
}

static int gadget_threshold_set(const char *val, const struct kernel_param *kp)
{
	return gadget_param_set_range(val, kp, 1, INT_MAX);
}

/* Bounded so that the in-flight counter comparison stays in int range. */
static int gadget_depth_set(const char *val, const struct kernel_param *kp)
{
	return gadget_param_set_range(val, kp, 1, 4096);
}

static const struct kernel_param_ops gadget_latency_ops = {
	.set = gadget_latency_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops gadget_threshold_ops = {
	.set = gadget_threshold_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops gadget_depth_ops = {
	.set = gadget_depth_set,
	.get = param_get_uint,
};

module_param_cb(latency_us, &gadget_latency_ops, &latency_us, 0644);
MODULE_PARM_DESC(latency_us, "Device latency in microseconds (0-10000000, default 5000)");
module_param_cb(mixed_threshold, &gadget_threshold_ops, &mixed_threshold, 0644);
MODULE_PARM_DESC(mixed_threshold, "mixed: requests of this many bytes or more are async (4096)");
module_param_cb(queue_depth, &gadget_depth_ops, &queue_depth, 0644);
MODULE_PARM_DESC(queue_depth, "Requests in flight per device before submission waits (default 64)");
module_param(pattern, byte, 0644);
MODULE_PARM_DESC(pattern, "Data: the byte at offset pos is (pos % 251) ^ pattern (default 0x5a)");
module_param(verify_writes, bool, 0644);
MODULE_PARM_DESC(verify_writes, "Fail writes that differ from the pattern with -EIO (default Y)");

/* ------------------------------------------------------------------------
 * Devices and their counters
 */

enum gadget_counter {
	GC_CALLS,	  /* read_iter/write_iter (or read/write) calls */
	GC_QUEUED,	  /* calls that returned -EIOCBQUEUED */
	GC_INLINE,	  /* calls that returned the result themselves */
	GC_EAGAIN,	  /* IOCB_NOWAIT calls refused with -EAGAIN */
	GC_DEFERRED,	  /* completions signalled from the workqueue */
	GC_EARLY,	  /* ... of which before the driver call returned */
	GC_CANCELLED,	  /* completed with -ECANCELED (io_cancel/io_destroy) */
	GC_SLEPT,	  /* calls in which the caller slept (nvcsw moved) */
	GC_IO_WORKER,	  /* calls made by an io_uring io-wq worker */
	GC_VERIFY_ERRORS, /* writes whose data did not match the pattern */
	GC_NR
};

/* One name per line reads better than clang-format's columns. */
/* clang-format off */
static const char *const gadget_counter_names[GC_NR] = {
	[GC_CALLS] = "calls",
	[GC_QUEUED] = "queued",
	[GC_INLINE] = "inline",
	[GC_EAGAIN] = "eagain",
	[GC_DEFERRED] = "deferred",
	[GC_EARLY] = "early",
	[GC_CANCELLED] = "cancelled",
	[GC_SLEPT] = "slept",
	[GC_IO_WORKER] = "io_worker",
	[GC_VERIFY_ERRORS] = "verify_errors",
};

/* clang-format on */

struct gadget_dev {
	const char *name; /* node name under AIO_GADGET_DEV_DIR */
	fmode_t fmode;	  /* FMODE_NOWAIT where submission never sleeps */
	struct miscdevice misc;
	atomic_t in_flight; /* queued requests: the queue_depth slots */
	atomic_t in_call;   /* driver calls that have not returned yet */
	wait_queue_head_t slot_wait;
	atomic_long_t counters[GC_NR];
};

static void gadget_count(struct gadget_dev *gd, enum gadget_counter c)
{
	atomic_long_inc(&gd->counters[c]);
}

/* ------------------------------------------------------------------------
 * Data: the pattern of aio_gadget.h, read and verified in small chunks
 */

#define GADGET_CHUNK 256

static void gadget_pattern_fill(u8 *buf, size_t len, loff_t pos, u8 seed)
{
	u32 rem;
	size_t i;

	div_u64_rem(pos, AIO_GADGET_PATTERN_PERIOD, &rem);
	for (i = 0; i < len; i++) {
		buf[i] = (u8)rem ^ seed;
		if (++rem == AIO_GADGET_PATTERN_PERIOD)
			rem = 0;
	}
}

static bool gadget_pattern_check(const u8 *buf, size_t len, loff_t pos, u8 seed)
{
	u32 rem;
	size_t i;

	div_u64_rem(pos, AIO_GADGET_PATTERN_PERIOD, &rem);
	for (i = 0; i < len; i++) {
		if (buf[i] != ((u8)rem ^ seed))
			return false;
		if (++rem == AIO_GADGET_PATTERN_PERIOD)
			rem = 0;
	}
	return true;
}

static ssize_t gadget_read_data(struct iov_iter *to, loff_t pos)
{
	u8 seed = READ_ONCE(pattern);
	u8 chunk[GADGET_CHUNK];
	size_t done = 0;

	while (iov_iter_count(to)) {
		size_t n = min_t(size_t, iov_iter_count(to), sizeof(chunk));
		size_t copied;

		gadget_pattern_fill(chunk, n, pos + done, seed);
		copied = copy_to_iter(chunk, n, to);
		done += copied;
		if (copied < n)
			return done ? done : -EFAULT;
	}
	return done;
}

static ssize_t gadget_write_data(struct gadget_dev *gd, struct iov_iter *from, loff_t pos)
{
	u8 seed = READ_ONCE(pattern);
	u8 chunk[GADGET_CHUNK];
	bool match = true;
	size_t done = 0;

	while (iov_iter_count(from)) {
		size_t n = min_t(size_t, iov_iter_count(from), sizeof(chunk));
		size_t copied = copy_from_iter(chunk, n, from);

		if (match && !gadget_pattern_check(chunk, copied, pos + done, seed))
			match = false;
		done += copied;
		if (copied < n)
			return done ? done : -EFAULT;
	}
	if (!match && READ_ONCE(verify_writes)) {
		gadget_count(gd, GC_VERIFY_ERRORS);
		return -EIO;
	}
	return done;
}

/*
 * Move the data of one request and advance ki_pos, as read(2)/write(2)
 * need.  Returns the byte count, -EFAULT, or -EIO for a write that does not
 * match the pattern (reported through the completion, like a device error).
 */
static ssize_t gadget_transfer(struct gadget_dev *gd, struct kiocb *iocb, struct iov_iter *iter,
			       int dir)
{
	ssize_t res;

	if (dir == READ)
		res = gadget_read_data(iter, iocb->ki_pos);
	else
		res = gadget_write_data(gd, iter, iocb->ki_pos);
	if (res > 0)
		iocb->ki_pos += res;
	return res;
}

/* ------------------------------------------------------------------------
 * The deferred machinery: request, hrtimer ("interrupt"), work item
 */

static struct kmem_cache *gadget_req_cache;
static struct workqueue_struct *gadget_wq;
static atomic_t gadget_live_reqs = ATOMIC_INIT(0);

enum gadget_req_state {
	GADGET_REQ_QUEUED,
	GADGET_REQ_DONE,
	GADGET_REQ_CANCELLED,
};

struct gadget_req {
	struct gadget_dev *gd;
	struct kiocb *iocb;
	struct hrtimer timer;
	struct work_struct work;
	struct completion done; /* for submitters that wait */
	refcount_t ref;		/* the submitter's and the completion's */
	atomic_t state;		/* enum gadget_req_state */
	atomic_t returned;	/* the submitting driver call has returned */
	bool notify;		/* complete through iocb->ki_complete() */
	ssize_t res;
};

static void gadget_ki_complete(struct kiocb *iocb, long res)
{
#ifdef GADGET_HAVE_KI_COMPLETE_2ARGS
	iocb->ki_complete(iocb, res);
#else
	iocb->ki_complete(iocb, res, 0);
#endif
}

static void gadget_req_put(struct gadget_req *req)
{
	if (!refcount_dec_and_test(&req->ref))
		return;
	kmem_cache_free(gadget_req_cache, req);
	atomic_dec(&gadget_live_reqs);
}

/* For a request that never started: nobody else has seen it. */
static void gadget_req_discard(struct gadget_req *req)
{
	kmem_cache_free(gadget_req_cache, req);
	atomic_dec(&gadget_live_reqs);
}

static void gadget_slot_put(struct gadget_dev *gd)
{
	atomic_dec(&gd->in_flight);
	wake_up(&gd->slot_wait);
}

static bool gadget_slot_tryget(struct gadget_dev *gd)
{
	int depth = READ_ONCE(queue_depth);
	int cur = atomic_read(&gd->in_flight);

	do {
		if (cur >= depth)
			return false;
	} while (!atomic_try_cmpxchg(&gd->in_flight, &cur, cur + 1));
	return true;
}

/*
 * A full queue makes the submitter wait (backpressure, as a full tag set
 * does for a block device) or, with IOCB_NOWAIT, refuses with -EAGAIN.
 */
static int gadget_slot_get(struct gadget_dev *gd, struct kiocb *iocb)
{
	if (gadget_slot_tryget(gd))
		return 0;
	if (iocb->ki_flags & IOCB_NOWAIT) {
		gadget_count(gd, GC_EAGAIN);
		return -EAGAIN;
	}
	return wait_event_killable(gd->slot_wait, gadget_slot_tryget(gd));
}

/* Runs in process context on gadget_wq: the "bottom half" of the device. */
static void gadget_complete_work(struct work_struct *work)
{
	struct gadget_req *req = container_of(work, struct gadget_req, work);
	struct gadget_dev *gd = req->gd;
	ssize_t res = req->res;

	/* The timer callback that queued this work may still be returning. */
	hrtimer_cancel(&req->timer);

	if (atomic_cmpxchg(&req->state, GADGET_REQ_QUEUED, GADGET_REQ_DONE) != GADGET_REQ_QUEUED) {
		res = -ECANCELED;
		gadget_count(gd, GC_CANCELLED);
	}
	gadget_count(gd, GC_DEFERRED);
	if (!atomic_read(&req->returned))
		gadget_count(gd, GC_EARLY);
	gadget_slot_put(gd);

	req->res = res;
	if (req->notify)
		gadget_ki_complete(req->iocb, res);
	complete(&req->done);
	gadget_req_put(req);
}

/* Hard-interrupt context: only hand over to the workqueue. */
static enum hrtimer_restart gadget_timer_fn(struct hrtimer *timer)
{
	struct gadget_req *req = container_of(timer, struct gadget_req, timer);

	queue_work(gadget_wq, &req->work);
	return HRTIMER_NORESTART;
}

static struct gadget_req *gadget_req_alloc(struct gadget_dev *gd, struct kiocb *iocb, gfp_t gfp)
{
	struct gadget_req *req;

	req = kmem_cache_alloc(gadget_req_cache, gfp);
	if (!req)
		return NULL;
	atomic_inc(&gadget_live_reqs);
	req->gd = gd;
	req->iocb = iocb;
#ifdef GADGET_HAVE_HRTIMER_SETUP
	hrtimer_setup(&req->timer, gadget_timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(&req->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	req->timer.function = gadget_timer_fn;
#endif
	INIT_WORK(&req->work, gadget_complete_work);
	init_completion(&req->done);
	refcount_set(&req->ref, 2);
	atomic_set(&req->state, GADGET_REQ_QUEUED);
	atomic_set(&req->returned, 0);
	req->notify = false;
	req->res = 0;
	return req;
}

/* The device starts working on the request; it "interrupts" latency_us later. */
static void gadget_req_start(struct gadget_req *req)
{
	u64 ns = (u64)READ_ONCE(latency_us) * NSEC_PER_USEC;

	hrtimer_start(&req->timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

/* The submitting driver call is about to return: drop its reference. */
static void gadget_req_submitted(struct gadget_req *req)
{
	atomic_set(&req->returned, 1);
	gadget_req_put(req);
}

/*
 * Called by io_cancel(), and for every request still queued when the aio
 * context dies (io_destroy(), exit), with the context's ctx_lock held and
 * interrupts off (fs/aio.c: io_cancel(), free_ioctx_users()).  So: no
 * sleeping, and no ki_complete() here, since aio_complete_rw() takes that
 * same lock.  Stop the "device" and let the work item complete the request
 * with -ECANCELED.  The request is alive: its completion cannot get past
 * aio_complete_rw()'s removal from the active list while the lock is held.
 */
static int gadget_cancel(struct kiocb *iocb)
{
	struct gadget_req *req = iocb->private;

	if (atomic_cmpxchg(&req->state, GADGET_REQ_QUEUED, GADGET_REQ_CANCELLED) !=
	    GADGET_REQ_QUEUED)
		return -EAGAIN; /* already completing: io_cancel(2) says so */
	if (hrtimer_try_to_cancel(&req->timer) == 1)
		queue_work(gadget_wq, &req->work);
	/* else the timer has fired or is firing, and queues the work itself */
	return 0;
}

static void gadget_set_cancel(struct kiocb *iocb, struct gadget_req *req)
{
	iocb->private = req;
#ifdef IOCB_AIO_RW
	/*
	 * Only kiocbs that io_submit() made carry IOCB_AIO_RW; for any other
	 * (io_uring's) kiocb_set_cancel_fn() would treat foreign memory as an
	 * aio_kiocb.  Since "fs/aio: Restrict kiocb_set_cancel_fn() to I/O
	 * submitted via libaio" (v6.8, in stable kernels too) it checks the
	 * flag itself; checking here keeps older kernels safe as well.
	 * Without the flag, the kernel cannot tell: no cancellation then.
	 */
	if (iocb->ki_flags & IOCB_AIO_RW)
		kiocb_set_cancel_fn(iocb, gadget_cancel);
#endif
}

/* ------------------------------------------------------------------------
 * The behaviours.  Each returns what the driver call returns.
 */

/*
 * Queue the request and wait for that very request before returning.  What
 * fake-async does on purpose, and what every device must do for read(2)
 * and write(2), whose synchronous kiocb cannot be left pending.  For an
 * asynchronous kiocb the completion was already delivered through
 * ki_complete() from the workqueue, yet the call returns -EIOCBQUEUED.
 */
static noinline ssize_t gadget_submit_and_wait(struct gadget_dev *gd, struct kiocb *iocb,
					       struct iov_iter *iter, int dir)
{
	bool sync = is_sync_kiocb(iocb);
	struct gadget_req *req;
	ssize_t res;
	int err;

	err = gadget_slot_get(gd, iocb);
	if (err)
		return err;
	req = gadget_req_alloc(gd, iocb, GFP_KERNEL);
	if (!req) {
		gadget_slot_put(gd);
		return -ENOMEM;
	}
	res = gadget_transfer(gd, iocb, iter, dir);
	if (res == -EFAULT) {
		gadget_req_discard(req);
		gadget_slot_put(gd);
		return res;
	}
	req->res = res;
	req->notify = !sync;
	gadget_req_start(req);
	wait_for_completion(&req->done);
	res = req->res;
	gadget_req_submitted(req);
	return sync ? res : -EIOCBQUEUED;
}

/* Truly asynchronous: queue, return -EIOCBQUEUED, complete from elsewhere. */
static noinline ssize_t gadget_async_io(struct gadget_dev *gd, struct kiocb *iocb,
					struct iov_iter *iter, int dir)
{
	bool nowait = iocb->ki_flags & IOCB_NOWAIT;
	struct gadget_req *req;
	ssize_t res;
	int err;

	if (is_sync_kiocb(iocb)) {
		/* preadv2(RWF_NOWAIT): waiting for the device would block */
		if (nowait) {
			gadget_count(gd, GC_EAGAIN);
			return -EAGAIN;
		}
		return gadget_submit_and_wait(gd, iocb, iter, dir);
	}

	err = gadget_slot_get(gd, iocb);
	if (err)
		return err;
	/* Nothing consumed yet: io_uring retries an -EAGAIN from a worker. */
	req = gadget_req_alloc(gd, iocb, nowait ? GFP_NOWAIT : GFP_KERNEL);
	if (!req) {
		gadget_slot_put(gd);
		return nowait ? -EAGAIN : -ENOMEM;
	}
	res = gadget_transfer(gd, iocb, iter, dir);
	if (res == -EFAULT) {
		gadget_req_discard(req);
		gadget_slot_put(gd);
		return res;
	}
	req->res = res;
	req->notify = true;
	/* Before the timer starts: once it has, iocb may complete any time. */
	gadget_set_cancel(iocb, req);
	gadget_req_start(req);
	gadget_req_submitted(req);
	return -EIOCBQUEUED;
}

/* A CPU copy: completes inline and never sleeps. */
static noinline ssize_t gadget_sync_io(struct gadget_dev *gd, struct kiocb *iocb,
				       struct iov_iter *iter, int dir)
{
	return gadget_transfer(gd, iocb, iter, dir);
}

/* Sleeps in the caller for the device latency, then completes inline. */
static noinline ssize_t gadget_blocking_io(struct gadget_dev *gd, struct kiocb *iocb,
					   struct iov_iter *iter, int dir)
{
	if (iocb->ki_flags & IOCB_NOWAIT) {
		gadget_count(gd, GC_EAGAIN);
		return -EAGAIN;
	}
	fsleep(READ_ONCE(latency_us));
	return gadget_transfer(gd, iocb, iter, dir);
}

/*
 * "Initiate the transaction and then wait for it to finish": the deferred
 * machinery of async, waited for inside the call (wait_for_completion() in
 * gadget_submit_and_wait()), then -EIOCBQUEUED.  IOCB_NOWAIT is not
 * honoured, as in the drivers this imitates; the device does not set
 * FMODE_NOWAIT, so aio refuses RWF_NOWAIT and io_uring punts to a worker.
 */
static noinline ssize_t gadget_fake_async_io(struct gadget_dev *gd, struct kiocb *iocb,
					     struct iov_iter *iter, int dir)
{
	return gadget_submit_and_wait(gd, iocb, iter, dir);
}

static noinline ssize_t gadget_mixed_io(struct gadget_dev *gd, struct kiocb *iocb,
					struct iov_iter *iter, int dir)
{
	if (iov_iter_count(iter) >= READ_ONCE(mixed_threshold))
		return gadget_async_io(gd, iocb, iter, dir);
	return gadget_sync_io(gd, iocb, iter, dir);
}

/* ------------------------------------------------------------------------
 * Accounting around every driver call
 */

struct gadget_call {
	struct gadget_dev *gd;
	unsigned long nvcsw;
};

static struct gadget_dev *gadget_of(struct file *file)
{
	return file->private_data;
}

static void gadget_call_begin(struct gadget_call *call, struct file *file)
{
	call->gd = gadget_of(file);
	call->nvcsw = current->nvcsw;
	atomic_inc(&call->gd->in_call);
	gadget_count(call->gd, GC_CALLS);
#ifdef PF_IO_WORKER
	if (current->flags & PF_IO_WORKER)
		gadget_count(call->gd, GC_IO_WORKER);
#endif
}

/* Must not touch the kiocb: after -EIOCBQUEUED it may be gone. */
static ssize_t gadget_call_end(struct gadget_call *call, ssize_t ret)
{
	gadget_count(call->gd, ret == -EIOCBQUEUED ? GC_QUEUED : GC_INLINE);
	if (current->nvcsw != call->nvcsw)
		gadget_count(call->gd, GC_SLEPT);
	/*
	 * fake-async delivered its completion before this point, so a reader
	 * that saw the completion may still miss this call's counts: in_call
	 * tells it to wait, and the barrier makes the counts visible first.
	 */
	smp_mb__before_atomic();
	atomic_dec(&call->gd->in_call);
	return ret;
}

/* ------------------------------------------------------------------------
 * The handlers: one read_iter/write_iter pair per device, written out (not
 * generated by a macro) so that they read like a driver's, for `aio-audit
 * scan` too.  noinline, with stable names, as fentry/kprobe targets.
 */

static noinline ssize_t gadget_async_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_async_io(call.gd, iocb, to, READ));
}

static noinline ssize_t gadget_async_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_async_io(call.gd, iocb, from, WRITE));
}

static noinline ssize_t gadget_sync_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_sync_io(call.gd, iocb, to, READ));
}

static noinline ssize_t gadget_sync_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_sync_io(call.gd, iocb, from, WRITE));
}

static noinline ssize_t gadget_blocking_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_blocking_io(call.gd, iocb, to, READ));
}

static noinline ssize_t gadget_blocking_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_blocking_io(call.gd, iocb, from, WRITE));
}

static noinline ssize_t gadget_fake_async_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_fake_async_io(call.gd, iocb, to, READ));
}

static noinline ssize_t gadget_fake_async_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_fake_async_io(call.gd, iocb, from, WRITE));
}

static noinline ssize_t gadget_mixed_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_mixed_io(call.gd, iocb, to, READ));
}

static noinline ssize_t gadget_mixed_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct gadget_call call;

	gadget_call_begin(&call, iocb->ki_filp);
	return gadget_call_end(&call, gadget_mixed_io(call.gd, iocb, from, WRITE));
}

/* noiter: the pre-iov_iter interface only, which fs/aio.c cannot use. */
static noinline ssize_t gadget_noiter_read(struct file *file, char __user *buf, size_t len,
					   loff_t *ppos)
{
	struct gadget_call call;
	u8 seed = READ_ONCE(pattern);
	u8 chunk[GADGET_CHUNK];
	size_t done = 0;
	ssize_t ret;

	gadget_call_begin(&call, file);
	while (done < len) {
		size_t n = min_t(size_t, len - done, sizeof(chunk));

		gadget_pattern_fill(chunk, n, *ppos + done, seed);
		if (copy_to_user(buf + done, chunk, n))
			break;
		done += n;
	}
	*ppos += done;
	ret = done;
	if (!done && len)
		ret = -EFAULT;
	return gadget_call_end(&call, ret);
}

static noinline ssize_t gadget_noiter_write(struct file *file, const char __user *buf, size_t len,
					    loff_t *ppos)
{
	struct gadget_call call;
	u8 seed = READ_ONCE(pattern);
	u8 chunk[GADGET_CHUNK];
	bool match = true;
	size_t done = 0;
	ssize_t ret;

	gadget_call_begin(&call, file);
	while (done < len) {
		size_t n = min_t(size_t, len - done, sizeof(chunk));

		if (copy_from_user(chunk, buf + done, n))
			break;
		if (match && !gadget_pattern_check(chunk, n, *ppos + done, seed))
			match = false;
		done += n;
	}
	if (!match && READ_ONCE(verify_writes)) {
		gadget_count(call.gd, GC_VERIFY_ERRORS);
		ret = -EIO;
	} else {
		*ppos += done;
		ret = done;
		if (!done && len)
			ret = -EFAULT;
	}
	return gadget_call_end(&call, ret);
}

/* misc_open() left our miscdevice in private_data. */
static int gadget_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct gadget_dev *gd = container_of(misc, struct gadget_dev, misc);

	file->private_data = gd;
	file->f_mode |= gd->fmode;
	return 0;
}

static const struct file_operations gadget_async_fops = {
	.owner = THIS_MODULE,
	.open = gadget_open,
	.llseek = noop_llseek,
	.read_iter = gadget_async_read_iter,
	.write_iter = gadget_async_write_iter,
};

static const struct file_operations gadget_sync_fops = {
	.owner = THIS_MODULE,
	.open = gadget_open,
	.llseek = noop_llseek,
	.read_iter = gadget_sync_read_iter,
	.write_iter = gadget_sync_write_iter,
};

static const struct file_operations gadget_blocking_fops = {
	.owner = THIS_MODULE,
	.open = gadget_open,
	.llseek = noop_llseek,
	.read_iter = gadget_blocking_read_iter,
	.write_iter = gadget_blocking_write_iter,
};

static const struct file_operations gadget_fake_async_fops = {
	.owner = THIS_MODULE,
	.open = gadget_open,
	.llseek = noop_llseek,
	.read_iter = gadget_fake_async_read_iter,
	.write_iter = gadget_fake_async_write_iter,
};

static const struct file_operations gadget_mixed_fops = {
	.owner = THIS_MODULE,
	.open = gadget_open,
	.llseek = noop_llseek,
	.read_iter = gadget_mixed_read_iter,
	.write_iter = gadget_mixed_write_iter,
};

static const struct file_operations gadget_noiter_fops = {
	.owner = THIS_MODULE,
	.open = gadget_open,
	.llseek = noop_llseek,
	.read = gadget_noiter_read,
	.write = gadget_noiter_write,
};

/* clang-format off */
#define GADGET_DEV(dev_name, fops_ptr, mode_flags)			\
	{								\
		.name = dev_name,					\
		.fmode = mode_flags,					\
		.misc = {						\
			.minor = MISC_DYNAMIC_MINOR,			\
			.name = "aio_gadget_" dev_name,			\
			.nodename = "aio_gadget/" dev_name,		\
			.fops = fops_ptr,				\
			.mode = 0666,					\
		},							\
	}
/* clang-format on */

static struct gadget_dev gadget_devs[] = {
	GADGET_DEV("async", &gadget_async_fops, FMODE_NOWAIT),
	GADGET_DEV("sync", &gadget_sync_fops, FMODE_NOWAIT),
	GADGET_DEV("blocking", &gadget_blocking_fops, 0),
	GADGET_DEV("fake-async", &gadget_fake_async_fops, 0),
	GADGET_DEV("mixed", &gadget_mixed_fops, FMODE_NOWAIT),
	GADGET_DEV("noiter", &gadget_noiter_fops, 0),
};

/* ------------------------------------------------------------------------
 * debugfs: <debugfs>/aio_gadget/<device>/stats
 */

static struct dentry *gadget_debugfs;

static int gadget_stats_show(struct seq_file *m, void *v)
{
	struct gadget_dev *gd = m->private;
	/* Read first: pairs with gadget_call_end()'s barrier. */
	int in_call = atomic_read_acquire(&gd->in_call);
	int i;

	for (i = 0; i < GC_NR; i++)
		seq_printf(m, "%s %ld\n", gadget_counter_names[i],
			   atomic_long_read(&gd->counters[i]));
	seq_printf(m, "in_flight %d\n", atomic_read(&gd->in_flight));
	seq_printf(m, "in_call %d\n", in_call);
	return 0;
}

static int gadget_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, gadget_stats_show, inode->i_private);
}

/* Any write resets the counters (not in_flight or in_call, which are state). */
static ssize_t gadget_stats_write(struct file *file, const char __user *buf, size_t len,
				  loff_t *ppos)
{
	struct gadget_dev *gd = file_inode(file)->i_private;
	int i;

	for (i = 0; i < GC_NR; i++)
		atomic_long_set(&gd->counters[i], 0);
	return len;
}

static const struct file_operations gadget_stats_fops = {
	.owner = THIS_MODULE,
	.open = gadget_stats_open,
	.read = seq_read,
	.write = gadget_stats_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static void gadget_debugfs_init(void)
{
	int i;

	/* debugfs is optional: the devices work without their counters. */
	gadget_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (i = 0; i < ARRAY_SIZE(gadget_devs); i++) {
		struct dentry *dir;

		dir = debugfs_create_dir(gadget_devs[i].name, gadget_debugfs);
		debugfs_create_file("stats", 0644, dir, &gadget_devs[i], &gadget_stats_fops);
	}
}

/* ------------------------------------------------------------------------
 * Module load and unload
 */

static void gadget_unregister(int n)
{
	while (n-- > 0)
		misc_deregister(&gadget_devs[n].misc);
}

static int __init gadget_init(void)
{
	int i, err;

	/*
	 * A cache of its own, so that a leaked request shows up as
	 * "Slab cache still has objects" when the module is unloaded.
	 */
	gadget_req_cache =
		kmem_cache_create("aio_gadget_req", sizeof(struct gadget_req), 0, 0, NULL);
	if (!gadget_req_cache)
		return -ENOMEM;
	gadget_wq = alloc_workqueue(KBUILD_MODNAME, 0, 0);
	if (!gadget_wq) {
		err = -ENOMEM;
		goto err_cache;
	}

	for (i = 0; i < ARRAY_SIZE(gadget_devs); i++) {
		struct gadget_dev *gd = &gadget_devs[i];
		int c;

		atomic_set(&gd->in_flight, 0);
		atomic_set(&gd->in_call, 0);
		init_waitqueue_head(&gd->slot_wait);
		for (c = 0; c < GC_NR; c++)
			atomic_long_set(&gd->counters[c], 0);
		err = misc_register(&gd->misc);
		if (err) {
			pr_err("cannot register %s: %d\n", gd->misc.name, err);
			goto err_devs;
		}
	}
	gadget_debugfs_init();
	return 0;

err_devs:
	gadget_unregister(i);
	destroy_workqueue(gadget_wq);
err_cache:
	kmem_cache_destroy(gadget_req_cache);
	return err;
}

/*
 * Requests in flight pin the module: each holds its file (aio and io_uring
 * take a reference at submission), and each open file holds the module
 * through fops->owner, so rmmod fails with EBUSY until they have completed
 * or been cancelled.  What may remain when we get here is the tail of a
 * work item that already delivered its completion: destroy_workqueue()
 * waits for it, and only then may the cache and the module text go.
 */
static void __exit gadget_exit(void)
{
	debugfs_remove_recursive(gadget_debugfs);
	gadget_unregister(ARRAY_SIZE(gadget_devs));
	destroy_workqueue(gadget_wq);
	WARN(atomic_read(&gadget_live_reqs), "%d requests leaked\n",
	     atomic_read(&gadget_live_reqs));
	kmem_cache_destroy(gadget_req_cache);
}

module_init(gadget_init);
module_exit(gadget_exit);

MODULE_DESCRIPTION("AIO gadget: devices with known async, sync, blocking and fake-async behaviour");
MODULE_AUTHOR("aio-audit");
MODULE_LICENSE("GPL");
