// SPDX-License-Identifier: GPL-2.0-only
//
// The layout of bpf/aio_audit.h, pinned: the BPF programs and the C++ decoder
// are compiled separately, so a change on one side must break this test, not
// silently misread the kernel's data.
#include <gtest/gtest.h>

#include <cstddef>

extern "C" {
#include "aio_audit.h"
}

namespace shared_layout_test {

TEST(SharedLayout, OpKey)
{
    EXPECT_EQ(sizeof(aio_audit_op_key), 16u);
    EXPECT_EQ(offsetof(aio_audit_op_key, fn), 0u);
    EXPECT_EQ(offsetof(aio_audit_op_key, dev), 8u);
    EXPECT_EQ(offsetof(aio_audit_op_key, ftype), 12u);
    EXPECT_EQ(offsetof(aio_audit_op_key, kind), 13u);
    EXPECT_EQ(offsetof(aio_audit_op_key, api), 14u);
    EXPECT_EQ(offsetof(aio_audit_op_key, flags), 15u);
}

TEST(SharedLayout, EvidenceKey)
{
    EXPECT_EQ(sizeof(aio_audit_evidence_key), 24u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, refused), 16u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, punted), 17u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, context), 18u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, completed), 19u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, slept_in_call), 20u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, slept_in_submission), 21u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, call_slept), 22u);
    EXPECT_EQ(offsetof(aio_audit_evidence_key, waited_for_device), 23u);
}

TEST(SharedLayout, OpStats)
{
    EXPECT_EQ(sizeof(aio_audit_op_stats), 8 * 8u + 4 * AIO_AUDIT_HIST_SLOTS * 8u + 4 * 8u);
    EXPECT_EQ(offsetof(aio_audit_op_stats, syscalls_slept), 16u);
    EXPECT_EQ(offsetof(aio_audit_op_stats, device_io), 24u);
    EXPECT_EQ(offsetof(aio_audit_op_stats, submit_hist), 64u);
    EXPECT_EQ(offsetof(aio_audit_op_stats, offcpu_hist), 64u + 3 * 512u);
    EXPECT_EQ(offsetof(aio_audit_op_stats, submit_sum), 64u + 4 * 512u);
    EXPECT_EQ(offsetof(aio_audit_op_stats, offcpu_sum), 64u + 4 * 512u + 24u);
}

TEST(SharedLayout, SleepTable)
{
    EXPECT_EQ(sizeof(aio_audit_sleep_key), 24u);
    EXPECT_EQ(offsetof(aio_audit_sleep_key, op), 0u);
    EXPECT_EQ(offsetof(aio_audit_sleep_key, stack_id), 16u);
    EXPECT_EQ(offsetof(aio_audit_sleep_key, in_call), 20u);
    EXPECT_EQ(sizeof(aio_audit_sleep_val), 32u);
    EXPECT_EQ(offsetof(aio_audit_sleep_val, offcpu_ns), 8u);
    EXPECT_EQ(offsetof(aio_audit_sleep_val, comm), 16u);
}

TEST(SharedLayout, NewFnRecord)
{
    EXPECT_EQ(sizeof(aio_audit_new_fn_record), 8u);
}

}  // namespace shared_layout_test
