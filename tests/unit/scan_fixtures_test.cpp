// SPDX-License-Identifier: GPL-2.0-only
//
// The scanner against tests/fixtures/scan: small driver-like files, one
// per verdict and per contract finding, in the 6.x and the 2.6-era API.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "scan/scanner.h"

namespace scan_fixtures_test {

using namespace aio;
using model::Contract;
using model::Verdict;

const std::string kFixtures = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan";

// Scans one fixture directory once; fops are looked up as "file:name".
const std::map<std::string, model::FopsReport>& scanned(const std::string& dir)
{
    static std::map<std::string, std::map<std::string, model::FopsReport>> cache;
    auto it = cache.find(dir);
    if (it != cache.end())
        return it->second;
    scan::ScanOptions opt;
    opt.roots.push_back({kFixtures + "/" + dir, dir, true});
    opt.jobs = 2;
    std::map<std::string, model::FopsReport> byname;
    for (auto& f : scan::run_scan(opt).fops) {
        const auto slash = f.at.file.rfind('/');
        byname[f.at.file.substr(slash + 1) + ":" + f.name] = f;
    }
    return cache.emplace(dir, std::move(byname)).first->second;
}

const model::FopsReport& fops(const std::string& dir, const std::string& key)
{
    const auto& all = scanned(dir);
    auto it = all.find(key);
    if (it == all.end()) {
        std::string known;
        for (const auto& [k, v] : all)
            known += " " + k;
        ADD_FAILURE() << key << " not found in " << dir << "; found:" << known;
        static model::FopsReport none;
        return none;
    }
    return it->second;
}

struct Case {
    const char* dir;
    const char* key;
    Verdict verdict;
    std::vector<Contract> findings;
};

void PrintTo(const Case& c, std::ostream* os)
{
    *os << c.dir << "/" << c.key << " -> " << model::name(c.verdict);
}

class ScanFixture : public testing::TestWithParam<Case> {};

std::string case_name(const testing::TestParamInfo<Case>& info)
{
    std::string n = std::string(info.param.dir) + "_" + info.param.key;
    for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return n;
}

TEST_P(ScanFixture, GivesItsVerdictAndFindings)
{
    const Case& c = GetParam();
    const auto& f = fops(c.dir, c.key);
    EXPECT_EQ(model::name(f.verdict), model::name(c.verdict)) << f.reason;
    EXPECT_EQ(f.findings, c.findings) << f.reason;
    EXPECT_FALSE(f.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Modern, ScanFixture,
    testing::Values(
        Case{"modern", "async.c:demo_async_fops", Verdict::async, {}},
        Case{"modern", "async_3arg.c:old_fops", Verdict::async, {}},
        Case{"modern", "sync.c:demo_sync_fops", Verdict::sync, {}},
        Case{"modern", "blocking.c:demo_blocking_fops", Verdict::blocking, {}},
        Case{"modern", "fake_async.c:fake_async_fops", Verdict::fake_async, {Contract::no_cancel}},
        Case{"modern", "mixed.c:mixed_fops", Verdict::async, {}},
        Case{"modern", "noiter.c:noiter_fops", Verdict::unsupported, {}},
        Case{"modern", "odirect.c:demofs_file_operations", Verdict::odirect_async, {}},
        Case{"modern", "sync_branch.c:ep_file_operations", Verdict::async, {}},
        Case{"modern", "readiness.c:ring_fops", Verdict::sync, {}},
        Case{"modern", "lost.c:lost_fops", Verdict::unknown, {Contract::queued_without_completion}},
        Case{"modern", "double_completion.c:twice_fops", Verdict::async, {Contract::double_completion}},
        Case{"modern", "double_completion.c:inline_twice_fops", Verdict::sync, {Contract::double_completion}},
        Case{"modern", "no_cancel.c:nc_fops", Verdict::async, {Contract::no_cancel}},
        Case{"modern", "nowait_ignored.c:slow_fops", Verdict::blocking, {Contract::nowait_ignored}},
        Case{"modern", "unresolved.c:elsewhere_fops", Verdict::unknown, {}},
        Case{"modern", "gated_dio.c:gate_fops", Verdict::odirect_async, {}},
        Case{"modern", "deep_wait.c:deep_fops", Verdict::fake_async, {}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    Legacy26, ScanFixture,
    testing::Values(
        Case{"legacy26", "gadget_aio.c:ep_io_operations", Verdict::async, {}},
        Case{"legacy26", "retry.c:retry_fops", Verdict::async, {Contract::no_cancel}},
        Case{"legacy26", "sync_aio.c:sync_aio_fops", Verdict::sync, {}},
        Case{"legacy26", "fake_aio.c:fake26_fops", Verdict::fake_async, {Contract::no_cancel}},
        Case{"legacy26", "blocking_aio.c:bulk_fops", Verdict::blocking, {}},
        Case{"legacy26", "generic_aio.c:oldfs_file_operations", Verdict::odirect_async, {}},
        Case{"legacy26", "lost26.c:lost26_fops", Verdict::unknown, {Contract::queued_without_completion}},
        Case{"legacy26", "proto_ops.c:demo_socket_fops", Verdict::sync, {}},
        Case{"legacy26", "proto_ops.c:demo_pcm_fops", Verdict::sync, {}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    Syntax, ScanFixture,
    testing::Values(Case{"syntax", "tricky.c:cfg_fops", Verdict::blocking, {}},
                    Case{"syntax", "tricky.c:spliced_fops", Verdict::sync, {}},
                    Case{"syntax", "tricky.c:minor_fops[MINOR_A]", Verdict::sync, {}},
                    Case{"syntax", "tricky.c:minor_fops[MINOR_B]", Verdict::unsupported, {}},
                    Case{"syntax", "tricky.c:minor_fops[MINOR_C]", Verdict::blocking, {}},
                    Case{"syntax", "tricky.c:runtime_fops", Verdict::sync, {}},
                    Case{"syntax", "tricky.c:*cloned", Verdict::blocking, {}},
                    Case{"syntax", "tricky.c:DEFINE_TRICKY_FOPS()", Verdict::unknown, {}},
                    Case{"syntax", "tricky.c:expanded_fops", Verdict::sync, {}},
                    Case{"syntax", "tricky.c:gnu_fops", Verdict::sync, {}},
                    Case{"syntax", "tricky.c:positional_fops", Verdict::unknown, {}},
                    Case{"syntax", "tricky.c:forward_fops", Verdict::sync, {}},
                    Case{"syntax", "tricky.c:attr_fops", Verdict::sync, {}},
                    Case{"module", "demo_main.c:demo_split_fops", Verdict::async, {}}),
    case_name);

// Shapes of real kernel code the scanner once read wrong (Debian's
// linux-source-6.12; docs/scan.md, "Evaluation on real trees").
INSTANTIATE_TEST_SUITE_P(Shapes, ScanFixture,
                         testing::Values(
                             // An exported fops reads through its installer's address space, not
                             // another file's of its directory (generic_ro_fops read as sync).
                             Case{"shapes/vfs", "read_write.c:demo_ro_fops", Verdict::blocking, {}},
                             Case{"shapes/vfs", "ring.c:ring_fops", Verdict::sync, {}},
                             // An inode taken through `call(folio)->host` carries no request
                             // data: a free-space wait on its superblock is not the request's
                             // transfer (f2fs read as fake-async without O_DIRECT).
                             Case{"shapes/fs", "file.c:demo_file_operations", Verdict::blocking, {}},
                             // `type->setup(dev)` with a `struct device *` is not a driver's
                             // `->setup` taking its own struct (hci_vhci read as blocking).
                             Case{"shapes/bt", "vdemo.c:vdemo_fops", Verdict::sync, {}},
                             // A macro of the file that names no handler hides none
                             // (kvm_main.c's KVM_COMPAT read as unknown).
                             Case{"shapes/macros", "compat.c:demo_ctl_fops", Verdict::unsupported, {}},
                             Case{"shapes/macros", "compat.c:demo_data_fops", Verdict::unknown, {}},
                             Case{"shapes/macros", "compat.c:demo_other_fops", Verdict::unknown, {}},
        Case{"shapes/macros", "compat.c:demo_nested_fops", Verdict::unknown, {}}),
                         case_name);

TEST(ScanFixtures, QueueingOnlyUnderANegotiatedFeatureNamesIt)
{
    const auto& f = fops("modern", "gated_dio.c:gate_fops");
    EXPECT_EQ(f.condition, "o_direct+protocol:fuse-async-dio") << f.reason;
    ASSERT_TRUE(f.otherwise.has_value());
    // Without the feature the request is sent and waited for.
    EXPECT_EQ(model::name(*f.otherwise), model::name(Verdict::fake_async));
}

TEST(ScanFixtures, SocketProtocolOpsAreReadinessWaits)
{
    const auto& f = fops("legacy26", "proto_ops.c:demo_socket_fops");
    ASSERT_EQ(f.handlers.size(), 2u);
    for (const auto& h : f.handlers) {
        EXPECT_TRUE(h.unresolved.empty());
        bool readiness = false;
        for (const auto& e : h.evidence)
            readiness = readiness || e.kind == model::EvidenceKind::readiness_wait;
        EXPECT_TRUE(readiness) << model::name(h.op);
    }
}

TEST(ScanFixtures, NothingFromCommentsStringsDeadCodeMembersOrDeclarations)
{
    const auto& all = scanned("syntax");
    for (const char* ghost : {"tricky.c:ghost_fops", "tricky.c:not_a_fops", "tricky.c:dead_fops",
                              "tricky.c:fops", "tricky.c:defined_elsewhere_fops"})
        EXPECT_EQ(all.count(ghost), 0u) << ghost;
    EXPECT_EQ(all.size(), 13u);
    // The forward declaration and the definition are one fops, at the definition.
    EXPECT_EQ(fops("syntax", "tricky.c:forward_fops").at.line, 120u);
}

TEST(ScanFixtures, BothConfigBranchesAreAnalyzed)
{
    const auto& f = fops("syntax", "tricky.c:cfg_fops");
    ASSERT_EQ(f.handlers.size(), 2u);
    EXPECT_EQ(f.handlers[0].handler, "multi_line_read_iter");
    EXPECT_EQ(f.handlers[0].verdict, Verdict::sync);
    EXPECT_EQ(f.handlers[1].handler, "cfg_read_iter");
    // cfg_read_iter has two definitions (#ifdef/#else): one sleeps.
    EXPECT_EQ(f.handlers[1].verdict, Verdict::blocking);
}

TEST(ScanFixtures, EvidenceCarriesLocationsAndCallChains)
{
    const auto& f = fops("modern", "sync_branch.c:ep_file_operations");
    ASSERT_EQ(f.handlers.size(), 1u);
    const auto& h = f.handlers[0];
    EXPECT_EQ(h.definition.line, 66u);
    bool deferred = false, cancel = false;
    for (const auto& e : h.evidence) {
        if (e.kind == model::EvidenceKind::deferred_completion) {
            deferred = true;
            EXPECT_EQ(e.at.line, 29u);
            EXPECT_EQ(e.chain, "ep_read_iter > ep_io_submit ~> ep_async_complete");
        }
        cancel = cancel || e.kind == model::EvidenceKind::cancel;
        // The synchronous branch waits for its request: that is no fake-async proof.
        EXPECT_NE(e.kind, model::EvidenceKind::wait_after_queueing) << e.what;
    }
    EXPECT_TRUE(deferred);
    EXPECT_TRUE(cancel);
    EXPECT_TRUE(h.facts.other.queues);
    EXPECT_FALSE(h.facts.other.engine_wait_queued);
}

TEST(ScanFixtures, DependsOnCoversInitializerAndHandlerPaths)
{
    const auto& f = fops("module", "demo_main.c:demo_split_fops");
    auto has = [&](const std::string& file, std::uint32_t line) {
        return std::any_of(f.depends_on.begin(), f.depends_on.end(), [&](const model::LineRange& r) {
            return r.file.ends_with(file) && r.first <= line && line <= r.last;
        });
    };
    EXPECT_TRUE(has("demo_main.c", 10));   // the initializer
    EXPECT_TRUE(has("demo_io.c", 22));     // the handler, in a sibling file
    EXPECT_TRUE(has("demo_irq.c", 15));    // the completion found elsewhere in the module
    EXPECT_FALSE(has("demo_main.c", 16));  // probe() is not on the path
}

TEST(ScanFixtures, ReportsAreSortedAndPathsAreAsGiven)
{
    scan::ScanOptions opt;
    opt.roots.push_back(scan::root_from_argument(kFixtures + "/legacy26/"));
    const auto res = scan::run_scan(opt);
    ASSERT_FALSE(res.fops.empty());
    EXPECT_TRUE(res.fops.front().at.file.starts_with(kFixtures + "/legacy26/"));
    EXPECT_TRUE(std::is_sorted(res.fops.begin(), res.fops.end(),
                               [](const auto& a, const auto& b) { return a.at.file < b.at.file; }));
    EXPECT_EQ(res.stats.candidates, 8u);
}

TEST(ScanFixtures, BundledGadgetModuleGetsEachModesVerdict)
{
    // The same expectations as the guest's tests/vm/cases/55-scan.sh, here
    // without a guest: the module's source scanned alone, no kernel tree.
    scan::ScanOptions opt;
    opt.roots.push_back({std::string(AIO_AUDIT_SOURCE_DIR) + "/kernel-module", "kernel-module", true});
    std::map<std::string, Verdict> got;
    for (const auto& f : scan::run_scan(opt).fops)
        got[f.name] = f.verdict;
    EXPECT_EQ(model::name(got["gadget_async_fops"]), model::name(Verdict::async));
    EXPECT_EQ(model::name(got["gadget_sync_fops"]), model::name(Verdict::sync));  // div_u64_rem is arithmetic
    EXPECT_EQ(model::name(got["gadget_blocking_fops"]), model::name(Verdict::blocking));
    EXPECT_EQ(model::name(got["gadget_fake_async_fops"]), model::name(Verdict::fake_async));
    EXPECT_EQ(model::name(got["gadget_mixed_fops"]), model::name(Verdict::async));
    EXPECT_EQ(model::name(got["gadget_noiter_fops"]), model::name(Verdict::unsupported));
}

}  // namespace scan_fixtures_test
