// SPDX-License-Identifier: GPL-2.0-only
//
// The checker's rules on small scan results written here, and the real
// evaluation sets parsed with the same code the checker uses.
#include "evaluation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using nlohmann::json;
using namespace aio::scan_eval;
namespace fs = std::filesystem;

namespace {

EvaluationSet one(const json& entry)
{
    return parse_evaluation(json{{"tree", "t"}, {"tree_version", "1.2.3"}, {"entries", json::array({entry})}});
}

json scan_with(const json& object)
{
    return json{{"file_operations", json::array({object})}};
}

Judgement judge_one(const json& entry, const json& object)
{
    static EvaluationSet set;  // judgements point into it
    set = one(entry);
    return judge(set.entries[0], index_scan(scan_with(object)));
}

const json blk = {{"file", "block/fops.c"},   {"name", "def_blk_fops"}, {"verdict", "odirect-async"},
                  {"condition", "o_direct"}, {"otherwise", "blocking"}};

}  // namespace

TEST(ScanEval, ExactMatchIsOk)
{
    auto got = blk;
    EXPECT_EQ(judge_one(blk, got).status, Status::ok);
}

TEST(ScanEval, ConditionPartsCompareAsASet)
{
    json e = blk;
    e["condition"] = "o_direct+protocol:fuse-async-dio";
    json got = blk;
    got["condition"] = "protocol:fuse-async-dio + o_direct";
    EXPECT_EQ(judge_one(e, got).status, Status::ok);
}

TEST(ScanEval, MissingConditionInTheScanIsNull)
{
    json got = {{"file", "block/fops.c"}, {"name", "def_blk_fops"}, {"verdict", "odirect-async"}};
    const auto j = judge_one(blk, got);
    EXPECT_EQ(j.status, Status::wrong);
}

TEST(ScanEval, OtherwiseIsComparedOnlyWhenExpected)
{
    json e = {{"file", "f.c"}, {"name", "x"}, {"verdict", "sync"}};
    json got = {{"file", "f.c"}, {"name", "x"}, {"verdict", "sync"}, {"otherwise", "blocking"}};
    EXPECT_EQ(judge_one(e, got).status, Status::ok);
    got["otherwise"] = nullptr;
    e["condition"] = "o_direct";
    e["otherwise"] = "blocking";
    got["condition"] = "o_direct";
    EXPECT_EQ(judge_one(e, got).status, Status::wrong);
}

TEST(ScanEval, MissingObject)
{
    const auto j = judge_one(blk, json{{"file", "block/fops.c"}, {"name", "other"}, {"verdict", "sync"}});
    EXPECT_EQ(j.status, Status::missing);
    EXPECT_FALSE(j.got);
}

TEST(ScanEval, AcceptStringAndObject)
{
    json e = {{"file", "f.c"}, {"name", "x"}, {"verdict", "sync"}, {"accept", json::array({"blocking"})}};
    EXPECT_EQ(judge_one(e, json{{"file", "f.c"}, {"name", "x"}, {"verdict", "blocking"}, {"condition", "o_direct"}})
                  .status,
              Status::accepted);
    e["accept"] = json::array({json{{"verdict", "async"}, {"condition", "protocol:af_alg"}}});
    EXPECT_EQ(judge_one(e, json{{"file", "f.c"}, {"name", "x"}, {"verdict", "async"}, {"condition", "protocol:af_alg"}})
                  .status,
              Status::accepted);
    EXPECT_EQ(judge_one(e, json{{"file", "f.c"}, {"name", "x"}, {"verdict", "async"}}).status, Status::wrong);
}

TEST(ScanEval, KiocbRelayAcceptsUnknownThatForwards)
{
    json e = {{"file", "fs/overlayfs/file.c"}, {"name", "ovl"}, {"verdict", "async"}, {"relay", true}};
    json handler = {{"op", "read_iter"}, {"verdict", "unknown"}, {"facts", {{"forwards", true}}}};
    json got = {{"file", "fs/overlayfs/file.c"},
                {"name", "ovl"},
                {"verdict", "unknown"},
                {"handlers", json::array({handler})}};
    EXPECT_EQ(judge_one(e, got).status, Status::ok);
    got["handlers"][0]["facts"]["forwards"] = false;
    EXPECT_EQ(judge_one(e, got).status, Status::wrong);
    got["relay"] = "kiocb";  // a scanner may say so on the fops itself
    EXPECT_EQ(judge_one(e, got).status, Status::ok);
    e["relay"] = "sync-call";  // a synchronous relay is never "unknown"
    EXPECT_EQ(judge_one(e, got).status, Status::wrong);
}

TEST(ScanEval, HandlerExpectations)
{
    json e = {{"file", "net/socket.c"},
              {"name", "socket_file_ops"},
              {"verdict", "sync"},
              {"handlers", {{"write_iter", {{"verdict", "sync"}}}}}};
    json got = {{"file", "net/socket.c"},
                {"name", "socket_file_ops"},
                {"verdict", "sync"},
                {"handlers", json::array({json{{"op", "write_iter"}, {"verdict", "blocking"}}})}};
    auto j = judge_one(e, got);
    EXPECT_EQ(j.status, Status::wrong);
    EXPECT_NE(j.note.find("write_iter"), std::string::npos);
    got["handlers"][0]["verdict"] = "sync";
    EXPECT_EQ(judge_one(e, got).status, Status::ok);
    got["handlers"] = json::array();
    EXPECT_EQ(judge_one(e, got).status, Status::wrong);
}

TEST(ScanEval, ProcOpsMayComeInTheirOwnList)
{
    const auto set = one(json{{"file", "fs/proc/kcore.c"}, {"name", "kcore_proc_ops"}, {"verdict", "sync"}});
    const json scan = {{"file_operations", json::array()},
                       {"proc_ops", json::array({json{{"file", "fs/proc/kcore.c"},
                                                      {"name", "kcore_proc_ops"},
                                                      {"verdict", "sync"}}})}};
    EXPECT_EQ(judge(set.entries[0], index_scan(scan)).status, Status::ok);
}

TEST(ScanEval, RejectsMalformedSets)
{
    EXPECT_THROW(parse_evaluation(json{{"entries", 3}}), std::runtime_error);
    EXPECT_THROW(one(json{{"file", "f.c"}, {"name", "x"}, {"verdict", "slow"}}), std::runtime_error);
    EXPECT_THROW(one(json{{"file", "f.c"}, {"name", "x"}, {"verdict", "sync"}, {"condition", "odirect"}}),
                 std::runtime_error);
    EXPECT_THROW(one(json{{"file", "f.c"}, {"verdict", "sync"}}), std::runtime_error);
    const json twice = {{"file", "f.c"}, {"name", "x"}, {"verdict", "sync"}};
    EXPECT_THROW(parse_evaluation(json{{"entries", json::array({twice, twice})}}), std::runtime_error);
    EXPECT_THROW(one(json{{"file", "f.c"},
                          {"name", "x"},
                          {"verdict", "sync"},
                          {"evidence", json::array({json{{"file", "f.c"}, {"line", 0}}})}}),
                 std::runtime_error);
}

TEST(ScanEval, RenderListsFailuresWithEvidence)
{
    json e = blk;
    e["evidence"] = json::array({json{{"file", "block/fops.c"}, {"line", 362}, {"match", "EIOCBQUEUED"},
                                      {"what", "returns -EIOCBQUEUED"}}});
    const auto set = one(e);
    json got = {{"file", "block/fops.c"}, {"name", "def_blk_fops"}, {"verdict", "unknown"}, {"line", 875},
                {"reason", "helpers live elsewhere"}};
    std::vector<Judgement> js{judge(set.entries[0], index_scan(scan_with(got)))};
    const std::string text = render(js, tally(js));
    EXPECT_NE(text.find("total: 1 entries: 0 OK, 0 ACCEPTED, 1 WRONG, 0 MISSING"), std::string::npos) << text;
    EXPECT_NE(text.find("WRONG block/fops.c:875 def_blk_fops: expected odirect-async if o_direct, else blocking, got "
                        "unknown | evidence: block/fops.c:362 returns -EIOCBQUEUED | scanner: helpers live elsewhere"),
              std::string::npos)
        << text;
    EXPECT_EQ(tally(js).confusion["odirect-async"]["unknown"], 1);
}

TEST(ScanEval, EvidenceAndVersionAreCheckedAgainstTheTree)
{
    const fs::path dir = fs::temp_directory_path() / ("scan-eval-test-" + std::to_string(::getpid()));
    fs::create_directories(dir / "block");
    std::ofstream(dir / "Makefile") << "# x\nVERSION = 1\nPATCHLEVEL = 2\nSUBLEVEL = 3\nEXTRAVERSION =\n";
    std::ofstream(dir / "block/fops.c") << "a\n\treturn -EIOCBQUEUED;\n";
    json e = blk;
    e["evidence"] = json::array({json{{"file", "block/fops.c"}, {"line", 2}, {"match", "EIOCBQUEUED"}},
                                 json{{"file", "block/fops.c"}, {"line", 1}, {"match", "ki_complete"}},
                                 json{{"file", "block/fops.c"}, {"line", 9}, {"match", "x"}},
                                 json{{"file", "block/none.c"}, {"line", 1}, {"match", "x"}}});
    const auto set = one(e);
    const auto stale = check_evidence(set, dir.string());
    ASSERT_EQ(stale.size(), 3u);
    EXPECT_EQ(stale[0].evidence.line, 1);
    EXPECT_EQ(stale[0].actual, "a");
    EXPECT_EQ(tree_version(dir.string()), "1.2.3");
    EXPECT_EQ(tree_version((dir / "block").string()), "");
    fs::remove_all(dir);
}

// The committed sets parse, use the shared vocabulary, and name each object once.
TEST(ScanEval, CommittedSetsAreWellFormed)
{
    for (const char* name : {"linux-6.12.json", "linux-2.6.20.json"}) {
        std::ifstream in(std::string(SCAN_EVAL_DIR) + "/" + name);
        ASSERT_TRUE(in) << name;
        const json doc = json::parse(in);
        EvaluationSet set;
        ASSERT_NO_THROW(set = parse_evaluation(doc)) << name;
        EXPECT_FALSE(set.tree_version.empty()) << name;
        for (const auto& e : set.entries) {
            EXPECT_FALSE(e.why.empty()) << name << ": " << e.name;
            EXPECT_FALSE(e.evidence.empty()) << name << ": " << e.name;
            for (const auto& ev : e.evidence)
                EXPECT_FALSE(ev.match.empty()) << name << ": " << e.name << " " << ev.file << ':' << ev.line;
            if (!e.accept.empty()) {
                EXPECT_NE(e.why.find("ccept"), std::string::npos) << name << ": " << e.name << " accepts without saying why";
            }
        }
    }
}

TEST(ScanEval, FindingsThatMustNotAppear)
{
    json e = blk;
    e["no_findings"] = json::array({"queued-without-completion"});
    json got = blk;
    got["handlers"] = json::array({json{{"op", "read_iter"}, {"findings", json::array({"queued-without-completion"})}}});
    const auto j = judge_one(e, got);
    EXPECT_EQ(j.status, Status::wrong);
    EXPECT_EQ(j.note, "false queued-without-completion finding");
    got["handlers"][0]["findings"] = json::array({"no-cancel"});
    EXPECT_EQ(judge_one(e, got).status, Status::ok);

    const auto set = parse_evaluation(json{{"forbidden_findings", json::array({"queued-without-completion"})},
                                           {"entries", json::array()}});
    json scan = {{"file_operations",
                  json::array({json{{"file", "a.c"}, {"name", "x"}, {"findings", json::array({"no-cancel"})}},
                               json{{"file", "b.c"}, {"name", "y"},
                                    {"findings", json::array({"queued-without-completion"})}}})}};
    EXPECT_EQ(forbidden_hits(set, scan), std::vector<std::string>{"b.c y: queued-without-completion"});
}
