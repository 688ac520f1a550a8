// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <sstream>

#include "report/format.h"
#include "report/table.h"

namespace format_test {

using namespace aio::report;
using aio::model::Verdict;
using aio::model::VerdictTally;

TEST(Format, Durations)
{
    EXPECT_EQ(format_ns(950), "950ns");
    EXPECT_EQ(format_ns(41'200), "41.2µs");
    EXPECT_EQ(format_ns(412'000), "412µs");
    EXPECT_EQ(format_ns(3'200'000), "3.2ms");
    EXPECT_EQ(format_ns(2'500'000'000), "2.50s");
}

TEST(Format, Percent)
{
    EXPECT_EQ(format_percent(1.0), "100%");
    EXPECT_EQ(format_percent(0.7), "70%");
    EXPECT_EQ(format_percent(0.004), "0.4%");
    EXPECT_EQ(format_percent(0.0), "0%");
}

TEST(Format, Shares)
{
    VerdictTally t;
    EXPECT_EQ(format_shares(t), "-");
    t.add(Verdict::async, 10);
    EXPECT_EQ(format_shares(t), "async");
    t.add(Verdict::blocking, 10);
    t.add(Verdict::async, 20);
    EXPECT_EQ(format_shares(t), "75% async, 25% blocking");
}

TEST(Table, AlignsColumnsAndCountsUtf8AsOneColumn)
{
    Table t({{"NAME"}, {"LAT", Table::Align::right}, {"VERDICT"}});
    t.add_section("/dev/zero");
    t.add_row({"read", "41.2µs", "sync"});
    t.add_row({"overwrite", "3ms", "blocking"});
    std::ostringstream out;
    t.render(out);
    EXPECT_EQ(out.str(),
              "NAME          LAT  VERDICT\n"
              "/dev/zero\n"
              "read       41.2µs  sync\n"
              "overwrite     3ms  blocking\n");
}

}  // namespace format_test
