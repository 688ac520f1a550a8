/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by the BPF programs in bpf/ and by user space (analyzers/).
 *
 * Every field is fixed-width with explicit padding so that the BPF side and
 * the C++ side agree on the layout without relying on either compiler's
 * rules; tests/unit/shared_layout_test.cpp pins sizeof/offsetof so a layout
 * change breaks the build of the tests, not the decoder in the field.
 */
#ifndef AIO_AUDIT_SHARED_H
#define AIO_AUDIT_SHARED_H

#ifdef __bpf__
/* vmlinux.h provides __u32/__u64 in BPF builds. */
#else
#include <linux/types.h>
#endif

/* log2 histograms: slot i counts values in [2^i, 2^(i+1)), slot 0 also 0. */
#define AIO_AUDIT_HIST_SLOTS 64

/*
 * One definition of the histogram slot, used by the BPF programs when they
 * aggregate and by user space when it aggregates samples itself, so that a
 * histogram from `probe` and one from `trace` have the same buckets.
 */
static inline __u32 aio_audit_log2_slot(__u64 v)
{
	__u32 r = 0;

	/* Unrolled binary search: the verifier accepts it without loops. */
	if (v >= (1ULL << 32)) { v >>= 32; r += 32; }
	if (v >= (1ULL << 16)) { v >>= 16; r += 16; }
	if (v >= (1ULL << 8)) { v >>= 8; r += 8; }
	if (v >= (1ULL << 4)) { v >>= 4; r += 4; }
	if (v >= (1ULL << 2)) { v >>= 2; r += 2; }
	if (v >= (1ULL << 1)) { r += 1; }
	return r;
}

#endif /* AIO_AUDIT_SHARED_H */
