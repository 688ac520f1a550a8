// SPDX-License-Identifier: GPL-2.0-only
//
// check's renderers against golden strings (checkpatch text, --terse,
// GitHub annotations, Code Climate, the Markdown summary, JSON) and the
// SARIF ones, whose every document is also run through the SARIF validator
// (tests/scan/validate_sarif.py: Debian's SARIF 2.1.0 object model, the
// spec's enums, GitHub code scanning's ingestion requirements and limits).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "report/check_report.h"
#include "report/sarif_report.h"
#include "scan/git.h"

namespace scan_check_report_test {

using namespace aio;
using model::Contract;
using model::Verdict;
namespace fs = std::filesystem;

namespace {

model::FopsReport fops()
{
    model::FopsReport f;
    f.at = {"drivers/x.c", 53};
    f.name = "fake_fops";
    f.verdict = Verdict::fake_async;
    f.reason = "waits, 100%\nsure";
    f.findings = {Contract::no_cancel};
    model::HandlerReport h;
    h.op = model::OpKind::read_iter;
    h.handler = "f";
    h.verdict = Verdict::fake_async;
    h.evidence.push_back({model::EvidenceKind::queued, {"drivers/x.c", 30}, "-EIOCBQUEUED", "f", {}});
    h.evidence.push_back({model::EvidenceKind::wait_after_queueing,
                          {"drivers/x.c", 28},
                          "wait_for_completion(&r->done)",
                          "f > f_submit",
                          {}});
    f.handlers.push_back(h);
    return f;
}

std::vector<model::StaticFinding> findings()
{
    auto out = model::findings_of(fops());
    out[0].patch_line = 8;
    out[0].source_line = "static const struct file_operations fake_fops = {";
    out[0].line_added = true;
    out[0].fails = true;
    out[1].source_line = out[0].source_line;
    return out;
}

report::CheckOutcome outcome()
{
    report::CheckOutcome o;
    o.c_files = 2;
    o.dirs_scanned = 1;
    o.fops_scanned = 4;
    o.fops_touched = 1;
    o.fail_on = "fake-async,queued-without-completion,double-completion";
    o.failed = true;
    o.exit_code = 1;
    return o;
}

}  // namespace

TEST(CheckReport, CheckpatchStyleWithTheSourceLine)
{
    std::ostringstream out;
    report::render_check_text(out, findings(), outcome());
    EXPECT_EQ(out.str(),
              "ERROR:AIO_FAKE_ASYNC: fake_fops (read_iter=f) is fake-async: waits, 100%\nsure\n"
              "#8: FILE: drivers/x.c:53:\n"
              "+static const struct file_operations fake_fops = {\n\n"
              "CHECK:AIO_NO_CANCEL: fake_fops (read_iter=f): completes asynchronously but sets no cancel function "
              "(kiocb_set_cancel_fn; 2.6: ->ki_cancel): io_cancel cannot stop a queued request\n"
              "FILE: drivers/x.c:53:\n"
              " static const struct file_operations fake_fops = {\n\n"
              "total: 1 errors, 0 warnings, 1 checks; 1 of 4 file_operations touched (2 C files changed, "
              "1 directories scanned)\n"
              "aio-audit check: FAIL: 1 finding matches --fail-on "
              "fake-async,queued-without-completion,double-completion\n");
}

TEST(CheckReport, TerseAndSuppressed)
{
    auto f = findings();
    f[1].suppressed = model::Suppression::source;
    std::ostringstream out;
    report::render_check_terse(out, f, outcome());
    EXPECT_EQ(out.str(),
              "drivers/x.c:53: ERROR:AIO_FAKE_ASYNC: fake_fops (read_iter=f) is fake-async: waits, 100%\nsure\n"
              "total: 1 errors, 0 warnings, 0 checks, 1 suppressed; 1 of 4 file_operations touched (2 C files "
              "changed, 1 directories scanned)\n"
              "aio-audit check: FAIL: 1 finding matches --fail-on "
              "fake-async,queued-without-completion,double-completion\n");
}

TEST(CheckReport, NothingChecked)
{
    report::CheckOutcome o;
    o.empty = true;
    o.exit_code = 2;
    std::ostringstream out;
    report::render_check_text(out, {}, o);
    EXPECT_EQ(out.str(),
              "total: 0 errors, 0 warnings, 0 checks; 0 of 0 file_operations touched (0 C files changed, "
              "0 directories scanned)\n"
              "aio-audit check: FAIL: nothing was checked, the diff changes no .c or .h file\n");
    o.allow_empty = true;
    std::ostringstream allowed;
    report::render_check_terse(allowed, {}, o);
    EXPECT_NE(allowed.str().find("aio-audit check: pass: nothing to check"), std::string::npos);
}

TEST(CheckReport, GithubAnnotationsEscape)
{
    std::ostringstream out;
    auto f = findings();
    f[1].at.file = "drivers/a,b:c.c";
    report::render_check_github(out, f, outcome());
    EXPECT_EQ(out.str(),
              "::error file=drivers/x.c,line=53,title=aio-audit fake-async (fails the check)::fake_fops "
              "(read_iter=f) is fake-async: waits, 100%25%0Asure\n"
              "::notice file=drivers/a%2Cb%3Ac.c,line=53,title=aio-audit no-cancel::fake_fops (read_iter=f): "
              "completes asynchronously but sets no cancel function (kiocb_set_cancel_fn; 2.6: ->ki_cancel): "
              "io_cancel cannot stop a queued request\n"
              "total: 1 errors, 0 warnings, 1 checks; 1 of 4 file_operations touched (2 C files changed, "
              "1 directories scanned)\n"
              "aio-audit check: FAIL: 1 finding matches --fail-on "
              "fake-async,queued-without-completion,double-completion\n");
}

TEST(CheckReport, CodeClimateHasWhatGitLabReads)
{
    auto f = findings();
    f.push_back(f[0]);  // the same fops twice (alternative #ifdef branches)
    f.back().at.line = 90;
    const auto j = report::check_codeclimate(f);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 3u);
    EXPECT_EQ(j[0]["type"], "issue");
    EXPECT_EQ(j[0]["check_name"], "aio-audit/fake-async");
    EXPECT_EQ(j[0]["description"], f[0].message);
    EXPECT_EQ(j[0]["severity"], "major");
    EXPECT_EQ(j[1]["severity"], "info");
    EXPECT_EQ(j[0]["location"]["path"], "drivers/x.c");
    EXPECT_EQ(j[0]["location"]["lines"]["begin"], 53);
    EXPECT_EQ(j[0]["fingerprint"], f[0].fingerprint);
    std::set<std::string> prints;
    for (const auto& i : j)
        prints.insert(i["fingerprint"].get<std::string>());
    EXPECT_EQ(prints.size(), 3u);  // unique, as GitLab requires
}

TEST(CheckReport, MarkdownSummary)
{
    auto f = findings();
    f[0].fops = "a|b`c";
    std::ostringstream out;
    report::render_check_markdown(out, f, outcome());
    const std::string s = out.str();
    EXPECT_NE(s.find("### aio-audit check: failed\n"), std::string::npos) << s;
    EXPECT_NE(s.find("2 C files changed, 1 directories scanned, 1 of 4 file_operations touched: 1 errors, "
                     "0 warnings, 1 notes."),
              std::string::npos)
        << s;
    EXPECT_NE(s.find("| error | [fake-async](" + report::rule_help_uri(*f[0].rule) + ") | ``a\\|b`c`` | "
                     "`drivers/x.c:53` | yes |"),
              std::string::npos)
        << s;
}

TEST(CheckReport, Json)
{
    auto f = findings();
    f[1].suppressed = model::Suppression::option;
    const auto j = report::check_json(f, outcome(), {"drivers/x.c", "drivers/x.h"});
    EXPECT_EQ(j["failed"], true);
    EXPECT_EQ(j["check"]["exit_code"], 1);
    EXPECT_EQ(j["check"]["c_files"].size(), 2u);
    EXPECT_EQ(j["findings"][0]["rule"], "fake-async");
    EXPECT_EQ(j["findings"][0]["level"], "error");
    EXPECT_EQ(j["findings"][0]["fails"], true);
    EXPECT_EQ(j["findings"][0]["patch_line"], 8);
    EXPECT_TRUE(j["findings"][0]["suppressed"].is_null());
    EXPECT_EQ(j["findings"][1]["suppressed"], "option");
    EXPECT_EQ(j["findings"][0]["evidence"].size(), 2u);
}

TEST(CheckReport, SarifForCodeScanning)
{
    auto f = findings();
    f[1].suppressed = model::Suppression::source;
    const auto j = report::check_sarif(f, {"9.9", 1, true, {"x.c: binary file"}, nullptr});
    EXPECT_EQ(j["version"], "2.1.0");
    const auto& run = j["runs"][0];
    const auto& driver = run["tool"]["driver"];
    EXPECT_EQ(driver["name"], "aio-audit");
    EXPECT_EQ(driver["version"], "9.9");
    EXPECT_EQ(driver["informationUri"], report::docs_url() + "README.md");
    const auto& rules = driver["rules"];
    ASSERT_EQ(rules.size(), model::finding_rules().size());
    for (const auto& r : rules) {
        EXPECT_FALSE(r["help"]["text"].get<std::string>().empty());
        EXPECT_FALSE(r["help"]["markdown"].get<std::string>().empty());
        EXPECT_FALSE(r["fullDescription"]["text"].get<std::string>().empty());
        EXPECT_EQ(r["helpUri"].get<std::string>().rfind(report::docs_url() + "rules.md#", 0), 0u);
    }
    EXPECT_EQ(run["invocations"][0]["exitCode"], 1);
    EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
    EXPECT_EQ(run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"], "x.c: binary file");
    const auto& results = run["results"];
    ASSERT_EQ(results.size(), 1u);  // the suppressed one is left out
    const auto& r = results[0];
    EXPECT_EQ(r["ruleId"], "verdict/fake-async");
    EXPECT_EQ(rules[r["ruleIndex"].get<int>()]["id"], "verdict/fake-async");
    EXPECT_EQ(r["level"], "error");
    EXPECT_EQ(r["partialFingerprints"][report::kFingerprintKey], f[0].fingerprint);
    EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["startLine"], 53);
    EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"], f[0].source_line);
    EXPECT_EQ(r["relatedLocations"].size(), 2u);
    EXPECT_EQ(r["relatedLocations"][1]["message"]["text"],
              "wait-after-queueing: wait_for_completion(&r->done) [f > f_submit]");
    const auto& steps = r["codeFlows"][0]["threadFlows"][0]["locations"];
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[1]["nestingLevel"], 1);
    EXPECT_EQ(r["properties"]["fails"], true);
}

TEST(CheckReport, ScanSarifHasFindingsOnly)
{
    model::FopsReport quiet = fops();
    quiet.verdict = Verdict::async;
    quiet.findings.clear();
    quiet.at.file = "drivers/my demo/f\xc3\xa9.c";
    model::FopsReport loud = fops();
    const auto j = report::scan_sarif({quiet, loud}, {"9.9", 0, true, {}, nullptr});
    const auto& results = j["runs"][0]["results"];
    ASSERT_EQ(results.size(), 2u);  // loud's verdict and its no-cancel; nothing for the async fops
    for (const auto& r : results)
        EXPECT_NE(r["level"], "none");
    const auto one = report::scan_sarif({quiet}, {"9.9", 0, true, {}, nullptr});
    EXPECT_TRUE(one["runs"][0]["results"].empty());
}

TEST(CheckReport, EverySarifDocumentPassesTheRealValidators)
{
    char tmpl[] = "/tmp/aio-sarif-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    std::vector<std::string> files;
    auto save = [&](const std::string& name, const nlohmann::json& doc) {
        files.push_back(dir + "/" + name + ".sarif");
        std::ofstream(files.back()) << doc.dump(2);
    };
    model::RunInfo info;
    info.command_line = {"aio-audit", "check", "--format", "sarif"};
    info.start = std::chrono::system_clock::now();
    auto f = findings();
    save("check", report::check_sarif(f, {"0.1.0", 1, true, {"a warning"}, &info}));
    save("check-empty", report::check_sarif({}, {"0.1.0", 2, false, {"nothing was checked"}, &info}));
    model::FopsReport odd = fops();
    odd.at.file = "drivers/my demo/f\xc3\xa9 #1.c";
    odd.findings = {Contract::no_cancel, Contract::double_completion, Contract::nowait_ignored,
                    Contract::queued_without_completion};
    model::FopsReport abs = fops();
    abs.at.file = "/abs/path/x.c";
    save("scan", report::scan_sarif({fops(), odd, odd, abs}, {"0.1.0", 0, true, {}, &info}));
    save("scan-empty", report::scan_sarif({}, {"0.1.0", 4, false, {"x: cannot read"}, nullptr}));

    std::vector<std::string> args = {std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/scan/validate_sarif.py"};
    args.insert(args.end(), files.begin(), files.end());
    const auto r = scan::run_program("/usr/bin/python3", args);
    fs::remove_all(dir);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
}

}  // namespace scan_check_report_test
