// SPDX-License-Identifier: GPL-2.0-only
/*
 * Since v5.16 ("fs: get rid of the res2 iocb->ki_complete argument"),
 * ki_complete() takes (iocb, res); before, (iocb, res, res2).
 */
#include <linux/fs.h>

void gadget_feature_test(struct kiocb *iocb);
void gadget_feature_test(struct kiocb *iocb)
{
	iocb->ki_complete(iocb, 0);
}
