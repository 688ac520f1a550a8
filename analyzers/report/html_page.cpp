// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_page.h"

#include <fmt/format.h>

#include "report/json_header.h"

namespace aio::report {
namespace {

// One stylesheet for every report. Colours are variables so that dark mode
// and print each redefine them once; SVG shapes take theirs from classes.
// No rule hides overflow: the layout has to fit, not be clipped.
constexpr std::string_view kCss = R"css(
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;
--v-async:#1a7f37;--v-odirect-async:#4ac26b;--v-sync:#0969da;--v-blocking:#cf222e;--v-fake-async:#8250df;
--v-thread-async:#bf8700;--v-unsupported:#818b98;--v-unknown:#3d444d;--submit:#0969da;--complete:#e16f24;
--c-0:#54aeff;--c-1:#218bff;--c-2:#80ccff;--c-3:#b6e3ff;--c-4:#0969da;--c-5:#8c959f;--c-6:#d1d9e0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;
--card:#151b23;--v-async:#3fb950;--v-odirect-async:#7ee787;--v-sync:#4493f8;--v-blocking:#f85149;
--v-fake-async:#ab7df8;--v-thread-async:#d29922;--v-unsupported:#9198a1;--v-unknown:#656c76;
--submit:#4493f8;--complete:#f0883e}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#999;--card:#fff}
body{max-width:none;padding:0}section,.card,figure{break-inside:avoid}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0 auto;max-width:1200px;padding:1rem 1.25rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans","DejaVu Sans",sans-serif;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1rem;margin:0 0 .4rem}
h3.sub{margin-top:1rem}h4{font-size:.95rem;margin:0 0 .3rem}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em;
white-space:pre-wrap;overflow-wrap:anywhere}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}dl.facts ul{margin:0;padding-left:1.1rem}
.card{border:1px solid var(--line);border-radius:6px;background:var(--card);padding:.7rem .9rem;margin:.7rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:.6rem 1.2rem;align-items:start}
.grid.fill{grid-template-columns:repeat(auto-fill,minmax(340px,1fr))}
.muted{color:var(--muted)}.headline{font-weight:600}
table{border-collapse:collapse;width:100%;margin:.3rem 0}
th,td{text-align:left;padding:.15rem .45rem;border-bottom:1px solid var(--line);vertical-align:top;
overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600;overflow-wrap:normal}figure{margin:.35rem 0}
td.dir{width:20%}th.bar{width:30%}th.v{font-size:.85em}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{display:block;width:100%;height:auto;max-width:100%;overflow:hidden}
svg text{fill:var(--fg);font-family:system-ui,"DejaVu Sans",sans-serif}
svg .axis{stroke:var(--muted);stroke-width:1}svg .tick{fill:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:.2rem .9rem;margin:.25rem 0;font-size:.92em}
.sw{display:inline-block;width:.85em;height:.85em;border-radius:2px;background:var(--c);
margin-right:.3em;vertical-align:-.1em}
.v-async{--c:var(--v-async)}.v-odirect-async{--c:var(--v-odirect-async)}.v-sync{--c:var(--v-sync)}
.v-blocking{--c:var(--v-blocking)}.v-fake-async{--c:var(--v-fake-async)}
.v-thread-async{--c:var(--v-thread-async)}.v-unsupported{--c:var(--v-unsupported)}
.v-unknown{--c:var(--v-unknown)}.c-0{--c:var(--c-0)}.c-1{--c:var(--c-1)}.c-2{--c:var(--c-2)}
.c-3{--c:var(--c-3)}.c-4{--c:var(--c-4)}.c-5{--c:var(--c-5)}.c-6{--c:var(--c-6)}
rect.seg{fill:var(--c)}
rect.bar.submit{fill:var(--submit)}
rect.bar.complete{fill:var(--complete);fill-opacity:.35;stroke:var(--complete);stroke-width:1}
.sw.submit{background:var(--submit)}.sw.complete{background:var(--complete);opacity:.6}
rect.frame{stroke:var(--bg);stroke-width:.5}svg.flame text{fill:#1f2328;font-size:11px}
ul.evidence{margin:.2rem 0 .2rem 0;padding-left:1.1rem}ul.evidence li{margin:.1rem 0}
.kind{font-weight:600}
)css";

bool valid_continuation(std::string_view s, std::size_t i, std::size_t n)
{
    if (i + n > s.size())
        return false;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
            return false;
    return true;
}

}  // namespace

std::string html_escape(std::string_view s)
{
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
                    out += kReplacement;
                else
                    out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // Lengths by lead byte; overlong forms, surrogates and values above
        // U+10FFFF are rejected as the HTML parser would mangle them.
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF)
            n = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, cp = c & 0x07;
        if (n == 0 || !valid_continuation(s, i, n)) {
            out += kReplacement;
            ++i;
            continue;
        }
        for (std::size_t k = 1; k < n; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        const bool bad = (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
                         (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0x80 && cp <= 0x9F);
        if (bad) {
            out += kReplacement;
            ++i;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    return out;
}

std::string shell_join(const std::vector<std::string>& argv)
{
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty())
            out += ' ';
        const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789-_./=:,+@%") == std::string::npos;
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char c : a) {
            if (c == '\'')
                out += "'\\''";
            else
                out += c;
        }
        out += '\'';
    }
    return out;
}

PageFacts page_facts(const model::RunInfo& info, std::string title)
{
    PageFacts f;
    f.title = std::move(title);
    f.host = info.host;
    f.kernel = info.machine.empty() ? info.kernel_release : info.kernel_release + " " + info.machine;
    f.started = rfc3339_utc(info.start);
    f.command_line = shell_join(info.command_line);
    return f;
}

std::string verdict_class(model::Verdict v)
{
    return "v-" + std::string(model::name(v));
}

void page_begin(std::ostream& out, const PageFacts& f)
{
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"color-scheme\" content=\"light dark\">\n"
           "<meta name=\"generator\" content=\"aio-audit\">\n<title>"
        << html_escape(f.title) << (f.host.empty() ? "" : " — " + html_escape(f.host)) << "</title>\n<style>"
        << kCss << "</style>\n</head>\n<body>\n<header>\n<h1>" << html_escape(f.title) << "</h1>\n<dl class=\"facts\">\n";
    auto fact = [&](std::string_view key, std::string_view value, bool mono = false) {
        if (value.empty())
            return;
        out << "<dt>" << key << "</dt><dd" << (mono ? " class=\"mono\"" : "") << ">" << html_escape(value)
            << "</dd>\n";
    };
    fact("host", f.host);
    fact("kernel", f.kernel);
    fact("measured by", f.backend);
    if (!f.unseen.empty()) {
        out << "<dt>cannot see</dt><dd><ul class=\"unseen\">";
        for (const auto& u : f.unseen)
            out << "<li>" << html_escape(u) << "</li>";
        out << "</ul></dd>\n";
    }
    fact("started", f.started);
    for (const auto& [k, v] : f.extra)
        fact(html_escape(k), v);
    fact("command line", f.command_line, true);
    out << "</dl>\n</header>\n<main>\n";
}

void page_end(std::ostream& out)
{
    out << "</main>\n<footer class=\"muted\"><p>Made by aio-audit. Self-contained: no scripts, fonts or "
           "images are fetched.</p></footer>\n</body>\n</html>\n";
}

}  // namespace aio::report
