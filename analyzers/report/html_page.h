// SPDX-License-Identifier: GPL-2.0-only
//
// The shell every HTML report shares: one self-contained document (inline
// CSS and SVG, a Content-Security-Policy that forbids scripts and fetches),
// light and dark by prefers-color-scheme, printable, never wider than the
// window. Also the text escaping every HTML renderer goes through: paths and
// symbols come from trees nobody here wrote.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/run_info.h"
#include "model/verdict.h"

namespace aio::report {

// Text for HTML content and attribute values: & < > " ' escaped, bytes that
// are not valid UTF-8 and control characters other than tab and newline
// replaced by U+FFFD, so any input yields a well-formed document.
std::string html_escape(std::string_view text);

// What the header of a report says about where and how it was made.
struct PageFacts {
    std::string title;  // "aio-audit probe"
    std::string host;
    std::string kernel;   // "6.18.0 x86_64"
    std::string started;  // RFC 3339
    std::string command_line;
    std::string backend;              // what measured: "tracepoint (...)", "static source scan"
    std::vector<std::string> unseen;  // what that could not see
    std::vector<std::pair<std::string, std::string>> extra;  // further facts, in order
};

// Host, kernel, time and command line from the run's header facts.
PageFacts page_facts(const model::RunInfo& info, std::string title);

// A command line as a shell would take it back: words with spaces or quotes quoted.
std::string shell_join(const std::vector<std::string>& argv);

void page_begin(std::ostream& out, const PageFacts& facts);
void page_end(std::ostream& out);

// The CSS class a verdict is drawn with ("v-fake-async").
std::string verdict_class(model::Verdict v);

}  // namespace aio::report
