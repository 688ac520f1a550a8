// SPDX-License-Identifier: GPL-2.0-only
//
// The man pages and the shell completion the build installs are written by
// the binary from its CLI11 definitions (cli/app_docs.cpp). These tests hold
// them to --help: every option --help lists is in the page and completed by
// bash and zsh, the pages have EXAMPLES and EXIT STATUS and render without
// warnings, and the values completion offers are the ones the parsers take.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "matrix/fs_catalog.h"
#include "model/verdict.h"
#include "probe/engine.h"
#include "probe/prober.h"
#include "scan/check.h"
#include "subprocess.h"

namespace cli_docs_test {

using aio::test::run;
using aio::test::run_tool;

namespace {

const std::vector<std::string> kCommands = {"probe", "trace", "scan", "check", "doctor", "matrix"};

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The options --help lists: "-e,--engine" -> {"-e", "--engine"}.
std::set<std::string> help_options(const std::vector<std::string>& args)
{
    const auto r = run_tool(args);
    std::set<std::string> out;
    std::istringstream lines(r.out);
    std::string line;
    bool in_options = false;
    const std::regex name(R"((^|[ ,])(--?[A-Za-z][A-Za-z0-9-]*))");
    while (std::getline(lines, line)) {
        if (line.rfind("Options:", 0) == 0) {
            in_options = true;
            continue;
        }
        if (!in_options || line.empty() || line[0] != ' ')
            in_options = in_options && !line.empty() && line[0] == ' ';
        if (!in_options)
            continue;
        // The names come first on an option's line, before two spaces.
        std::string head = line.substr(0, line.find("  ", 2));
        for (std::sregex_iterator it(head.begin(), head.end(), name), end; it != end; ++it)
            out.insert((*it)[2]);
    }
    return out;
}

std::string man_path(const std::string& page)
{
    return std::string(AIO_AUDIT_DOC_DIR) + "/man8/" + page + ".8";
}

// What bash completes for the words of a command line (the last one being
// completed).
std::vector<std::string> bash_complete(const std::vector<std::string>& words)
{
    std::string array;
    for (const auto& w : words)
        array += " '" + w + "'";
    const std::string script = "source '" + std::string(AIO_AUDIT_DOC_DIR) +
                               "/completion/aio-audit.bash'; COMP_WORDS=(" + array +
                               "); COMP_CWORD=" + std::to_string(words.size() - 1) +
                               "; _aio_audit; printf '%s\\n' \"${COMPREPLY[@]}\"";
    const auto r = run({"bash", "--norc", "--noprofile", "-c", script});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty())
            out.push_back(line);
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST(CliDocs, HelpOptionsAreParsed)
{
    // The parser of --help above must see options, or the tests below pass vacuously.
    const auto opts = help_options({"probe", "--help"});
    EXPECT_TRUE(opts.count("--engine") && opts.count("-e") && opts.count("--version") && opts.count("--help"))
        << opts.size();
}

TEST(CliDocs, ManPagesAreWhatTheBinaryWritesNow)
{
    std::vector<std::string> pages = {"aio-audit"};
    for (const auto& c : kCommands)
        pages.push_back("aio-audit-" + c);
    for (const auto& page : pages) {
        SCOPED_TRACE(page);
        const auto r = run_tool({"--generate-man-page", page});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(read_file(man_path(page)), r.out) << "the built page is stale: rebuild";
    }
    EXPECT_EQ(run_tool({"--generate-man-page", "frobnicate"}).exit_code, 2);
}

TEST(CliDocs, EveryOptionOfHelpIsInItsManPage)
{
    for (const auto& c : kCommands) {
        SCOPED_TRACE(c);
        const std::string page = read_file(man_path("aio-audit-" + c));
        for (const auto& opt : help_options({c, "--help"})) {
            std::string roff;
            for (char ch : opt)
                roff += ch == '-' ? std::string("\\-") : std::string(1, ch);
            EXPECT_NE(page.find("\\fB" + roff + "\\fR"), std::string::npos) << opt;
        }
        for (const char* section : {".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH EXAMPLES", ".SH EXIT STATUS"})
            EXPECT_NE(page.find(section), std::string::npos) << section;
        // The examples of --help, each line of them.
        const std::string help = run_tool({c, "--help"}).out;
        const auto ex = help.find("EXAMPLES:\n");
        ASSERT_NE(ex, std::string::npos);
        std::istringstream lines(help.substr(ex + 10, help.find("EXIT STATUS") - ex - 10));
        std::string line;
        while (std::getline(lines, line)) {
            if (line.size() < 3)
                continue;
            std::string roff;
            for (char ch : line.substr(2))
                roff += ch == '-' ? std::string("\\-") : ch == '\\' ? std::string("\\e") : std::string(1, ch);
            EXPECT_NE(page.find(roff), std::string::npos) << line;
        }
    }
    const std::string main_page = read_file(man_path("aio-audit"));
    for (const auto& c : kCommands)
        EXPECT_NE(main_page.find(".BR aio\\-audit\\-" + c + " (8)"), std::string::npos) << c;
}

TEST(CliDocs, ManPagesRenderWithoutWarnings)
{
    for (const auto& page : {"aio-audit", "aio-audit-probe", "aio-audit-trace", "aio-audit-check"}) {
        SCOPED_TRACE(page);
        const auto r = run({"env", "MANWIDTH=80", "man", "--warnings", "-E", "UTF-8", "-l", man_path(page)});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.err, "");
        EXPECT_NE(r.out.find("EXIT STATUS"), std::string::npos);
        EXPECT_NE(r.out.find("EXAMPLES"), std::string::npos);
    }
}

TEST(CliDocs, BashCompletesCommandsOptionsAndValues)
{
    const auto top = bash_complete({"aio-audit", ""});
    for (const auto& c : kCommands)
        EXPECT_TRUE(has(top, c)) << c;
    for (const auto& c : kCommands) {
        SCOPED_TRACE(c);
        const auto got = bash_complete({"aio-audit", c, "-"});
        for (const auto& opt : help_options({c, "--help"}))
            EXPECT_TRUE(has(got, opt)) << opt;
    }
    EXPECT_EQ(bash_complete({"aio-audit", "trace", "--backend", "k"}), std::vector<std::string>{"kprobe"});
    EXPECT_EQ(bash_complete({"aio-audit", "probe", "-e", "libaio,io"}), std::vector<std::string>{"libaio,io_uring"});
    EXPECT_TRUE(has(bash_complete({"aio-audit", "check", "--format", ""}), "sarif"));
    EXPECT_TRUE(has(bash_complete({"aio-audit", "scan", "--only", ""}), "odirect-async"));
    EXPECT_TRUE(has(bash_complete({"aio-audit", "matrix", "--fs", ""}), "xfs"));
    // Options after the command's arguments, and the command after trace's --.
    EXPECT_TRUE(has(bash_complete({"aio-audit", "probe", "/dev/zero", "--js"}), "--json"));
    EXPECT_TRUE(has(bash_complete({"aio-audit", "trace", "--", "aio-aud"}), "aio-audit") ||
                has(bash_complete({"aio-audit", "trace", "--", "bas"}), "bash"));
}

// The values completion offers are the values the options take.
TEST(CliDocs, CompletedValuesAreAccepted)
{
    for (const auto& e : bash_complete({"aio-audit", "probe", "--engine", ""}))
        EXPECT_TRUE(aio::probe::parse_engine(e)) << e;
    for (const auto& o : bash_complete({"aio-audit", "probe", "--op", ""}))
        EXPECT_TRUE(aio::probe::parse_op(o)) << o;
    for (const auto& v : bash_complete({"aio-audit", "probe", "--expect", ""}))
        EXPECT_TRUE(aio::model::parse_verdict(v)) << v;
    for (const auto& v : bash_complete({"aio-audit", "scan", "--only", ""}))
        EXPECT_TRUE(aio::model::parse_verdict(v)) << v;
    const auto fail_on = bash_complete({"aio-audit", "check", "--fail-on", ""});
    EXPECT_GT(fail_on.size(), 5u);
    for (const auto& f : fail_on)
        EXPECT_NO_THROW(aio::scan::parse_fail_on(f)) << f;
    const auto fs = bash_complete({"aio-audit", "matrix", "--fs", ""});
    EXPECT_EQ(fs.size(), aio::matrix::catalog().size());
    // Each value of probe --mode runs (no parser is exported for it).
    for (const auto& m : bash_complete({"aio-audit", "probe", "--mode", ""})) {
        const auto r = run_tool({"probe", "/dev/zero", "-e", "posix", "-o", "read", "-n", "1", "-m", m});
        EXPECT_EQ(r.exit_code, 0) << m << ": " << r.err;
    }
}

TEST(CliDocs, ZshCompletionParsesAndNamesEveryOption)
{
    const std::string path = std::string(AIO_AUDIT_DOC_DIR) + "/completion/aio-audit.zsh";
    const auto check = run({"zsh", "-n", path});
    if (check.exit_code == 127 || check.err.find("No such file") != std::string::npos)
        GTEST_SKIP() << "zsh is not installed (scripts/install-deps.sh test)";
    EXPECT_EQ(check.exit_code, 0) << check.err;
    const std::string text = read_file(path);
    for (const auto& c : kCommands) {
        SCOPED_TRACE(c);
        EXPECT_NE(text.find("_aio_audit_" + c + "()"), std::string::npos);
        for (const auto& opt : help_options({c, "--help"}))
            EXPECT_NE(text.find(opt + "["), std::string::npos) << opt;
    }
}

}  // namespace cli_docs_test
