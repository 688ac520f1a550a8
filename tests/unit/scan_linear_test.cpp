// SPDX-License-Identifier: GPL-2.0-only
//
// The scan's cost is linear in what it reads: files made of many copies of
// a driver (distinct names, or the same names over and over) are scanned
// at 1x and 4x the size, and the work the scan counts (index lines, tokens,
// call-tree events, functions looked at for completions, ...) must grow 4x,
// not 16x. Work is counted, not timed: the test cannot be flaky on a busy
// machine, and it fails on any loop that goes over the whole file once per
// fops (the 10 MB file that took 21 s).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scan/scanner.h"

namespace scan_linear_test {

using namespace aio;
namespace fs = std::filesystem;

// One driver: an async read_iter whose completion runs from a work item,
// a blocking write_iter, a helper outside the tree, FMODE_NOWAIT in open.
std::string driver(const std::string& n)
{
    return "struct req_" + n + " { struct kiocb *iocb; struct work_struct work; };\n"
           "static void done_" + n + "(struct work_struct *w)\n{\n"
           "\tstruct req_" + n + " *r = container_of(w, struct req_" + n + ", work);\n"
           "\tr->iocb->ki_complete(r->iocb, 0);\n}\n"
           "static int open_" + n + "(struct inode *i, struct file *f)\n{\n"
           "\tf->f_mode |= FMODE_NOWAIT;\n\treturn 0;\n}\n"
           "static ssize_t rd_" + n + "(struct kiocb *iocb, struct iov_iter *to)\n{\n"
           "\tstruct req_" + n + " *r = kzalloc(sizeof(*r), GFP_KERNEL);\n"
           "\tr->iocb = iocb;\n\tINIT_WORK(&r->work, done_" + n + ");\n"
           "\tschedule_work(&r->work);\n\treturn -EIOCBQUEUED;\n}\n"
           "static ssize_t wr_" + n + "(struct kiocb *iocb, struct iov_iter *from)\n{\n"
           "\tsomewhere_else_" + n + "(iocb);\n\tmsleep(1);\n\treturn iov_iter_count(from);\n}\n"
           "static const struct file_operations fops_" + n + " = {\n"
           "\t.open = open_" + n + ",\n\t.read_iter = rd_" + n + ",\n\t.write_iter = wr_" + n + ",\n};\n";
}

class ScanLinear : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/aio-scan-linear-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }

    // The work of scanning one file of `copies` drivers; `distinct`: each
    // copy with its own names, else the same driver again and again.
    std::uint64_t work(int copies, bool distinct)
    {
        const std::string dir = root_ + "/" + std::to_string(copies) + (distinct ? "d" : "s");
        fs::create_directories(dir);
        {
            std::ofstream out(dir + "/big.c");
            for (int k = 0; k < copies; ++k)
                out << driver(distinct ? std::to_string(k) : "same");
        }
        scan::ScanOptions opt;
        opt.roots.push_back({dir, "big", true});
        opt.jobs = 1;
        const scan::ScanResult r = scan::run_scan(opt);
        EXPECT_EQ(r.fops.size(), static_cast<std::size_t>(copies));
        return r.stats.work;
    }
    std::string root_;
};

TEST_F(ScanLinear, DistinctDriversCostLinearWork)
{
    const std::uint64_t small = work(150, true);
    const std::uint64_t large = work(600, true);
    ASSERT_GT(small, 0u);
    const double ratio = static_cast<double>(large) / static_cast<double>(small);
    EXPECT_GT(ratio, 3.5) << "the counter no longer counts the scan's work";
    EXPECT_LT(ratio, 4.6) << "work grows faster than the file: " << small << " -> " << large;
}

TEST_F(ScanLinear, RepeatedDefinitionsCostLinearWork)
{
    // The same names defined over and over (a generated file, a bad merge):
    // every lookup finds them all, and only a few are kept as alternatives.
    const std::uint64_t small = work(150, false);
    const std::uint64_t large = work(600, false);
    ASSERT_GT(small, 0u);
    const double ratio = static_cast<double>(large) / static_cast<double>(small);
    EXPECT_GT(ratio, 3.5);
    EXPECT_LT(ratio, 4.6) << "work grows faster than the file: " << small << " -> " << large;
}

}  // namespace scan_linear_test
