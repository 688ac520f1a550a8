/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What user space may rely on about aio_gadget: where the devices are, the
 * data they read and expect, and where their counters are.  Included by the
 * module and by the guest tests (tests/vm/programs), so the two cannot drift.
 * Constants only: the header must compile as kernel C and as C++.
 */
#ifndef AIO_GADGET_H
#define AIO_GADGET_H

/* Device nodes: AIO_GADGET_DEV_DIR "/" <name>, e.g. /dev/aio_gadget/async. */
#define AIO_GADGET_DEV_DIR "/dev/aio_gadget"

/* Module parameters, writable at run time. */
#define AIO_GADGET_PARAM_DIR "/sys/module/aio_gadget/parameters"

/*
 * Per-device counters: <debugfs>/aio_gadget/<name>/stats, one "key value"
 * line each; writing anything to the file resets them.
 */
#define AIO_GADGET_DEBUGFS_DIR "/sys/kernel/debug/aio_gadget"

/*
 * The byte at device offset pos is (pos % AIO_GADGET_PATTERN_PERIOD) ^ the
 * "pattern" parameter.  The period is prime so that no power-of-two buffer
 * or page size lines up with it: data read at the wrong offset, or a chunk
 * copied twice, cannot look right by accident.
 */
#define AIO_GADGET_PATTERN_PERIOD 251

/* Upper bound of the latency_us parameter (10 s). */
#define AIO_GADGET_MAX_LATENCY_US 10000000

#endif /* AIO_GADGET_H */
