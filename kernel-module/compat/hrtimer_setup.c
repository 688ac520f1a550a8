// SPDX-License-Identifier: GPL-2.0-only
/*
 * v6.13 added hrtimer_setup() ("hrtimers: Introduce hrtimer_setup() to
 * replace hrtimer_init()"); later kernels removed hrtimer_init().
 */
#include <linux/hrtimer.h>

static enum hrtimer_restart gadget_feature_fn(struct hrtimer *timer)
{
	return HRTIMER_NORESTART;
}

void gadget_feature_test(struct hrtimer *timer);
void gadget_feature_test(struct hrtimer *timer)
{
	hrtimer_setup(timer, gadget_feature_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
