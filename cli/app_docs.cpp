// SPDX-License-Identifier: GPL-2.0-only
#include "app_docs.h"

#include <algorithm>

#include "command.h"
#include "matrix/fs_catalog.h"
#include "model/static_finding.h"
#include "model/verdict.h"
#include "probe/engine.h"
#include "probe/prober.h"

namespace aio::cli {
namespace {

const CommandDoc* find_sub(const AppDocs& app, std::string_view name)
{
    for (const auto& sub : app.commands)
        if (sub.name == name)
            return &sub;
    return nullptr;
}

std::vector<const OptionDoc*> named_options(const CommandDoc& cmd)
{
    std::vector<const OptionDoc*> out;
    for (const auto& o : cmd.options)
        if (!o.positional)
            out.push_back(&o);
    return out;
}

std::vector<const OptionDoc*> positionals(const CommandDoc& cmd)
{
    std::vector<const OptionDoc*> out;
    for (const auto& o : cmd.options)
        if (o.positional)
            out.push_back(&o);
    return out;
}

// "UINT" of "UINT:INT in [1 - 1000000]", as --help shows it.
std::string value_name(const OptionDoc& o)
{
    std::string t = o.type_name;
    t = t.substr(0, t.find(':'));
    return t.empty() ? "VALUE" : t;
}

std::vector<std::string> flag_names(const OptionDoc& o)
{
    std::vector<std::string> out;
    for (const auto& s : o.short_names)
        out.push_back("-" + s);
    for (const auto& l : o.long_names)
        out.push_back("--" + l);
    return out;
}

std::string positional_name(const OptionDoc& o)
{
    std::string t = o.type_name;
    t = t.substr(0, t.find(':'));
    // "PATH..." is already a name; "TEXT" says nothing, the option's own name does.
    if (!t.empty() && t != "TEXT")
        return t;
    std::string n = o.name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return n;
}

// The {a,b,c} of an IsMember check.
std::vector<std::string> member_values(const OptionDoc& o)
{
    const std::string& t = o.type_name;
    const auto open = t.find('{');
    const auto close = t.find('}', open);
    if (open == std::string::npos || close == std::string::npos)
        return {};
    return split_list(t.substr(open + 1, close - open - 1));
}

// The footer that footer() made: examples, then exit codes.
struct FooterParts {
    std::string examples;
    std::string exit_status;
};

FooterParts split_footer(const std::string& footer)
{
    FooterParts parts;
    const auto ex = footer.find("EXAMPLES:\n");
    const auto st = footer.find("EXIT STATUS:\n");
    if (ex != std::string::npos)
        parts.examples = footer.substr(ex + 10, st == std::string::npos ? std::string::npos : st - ex - 10);
    if (st != std::string::npos)
        parts.exit_status = footer.substr(st + 13);
    return parts;
}

// Text as roff reads it: backslashes and minus signs escaped, and no line
// starting with a control character.
std::string roff(std::string_view text)
{
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\''))
            out += "\\&";
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

// Preformatted lines (examples, exit codes), their indentation dropped by
// the common two spaces that --help adds.
void preformatted(std::ostream& os, const std::string& block)
{
    std::string text = block;
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    while (!text.empty() && text.front() == '\n')
        text.erase(0, 1);
    std::string out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.rfind("  ", 0) == 0)
            line.erase(0, 2);
        out += line + "\n";
        if (nl == std::string::npos)
            break;
        pos = nl + 1;
    }
    os << ".PP\n.nf\n" << roff(out) << ".fi\n";
}

// The NAME line: the description up to its first colon (the rest is detail).
std::string short_description(std::string d)
{
    if (d.rfind("aio-audit: ", 0) == 0)
        d.erase(0, 11);
    d = d.substr(0, d.find('\n'));
    if (const auto colon = d.find(": "); colon != std::string::npos)
        d = d.substr(0, colon);
    return d;
}

void option_item(std::ostream& os, const CommandDoc& cmd, const OptionDoc& o)
{
    os << ".TP\n";
    const auto names = flag_names(o);
    for (std::size_t i = 0; i < names.size(); ++i)
        os << (i ? ", " : "") << "\\fB" << roff(names[i]) << "\\fR";
    if (!o.flag)
        os << " \\fI" << roff(value_name(o)) << "\\fR";
    os << "\n" << roff(o.description);
    if (!o.default_str.empty())
        os << " (default: " << roff(o.default_str) << ")";
    const auto values = option_values(cmd, o);
    if (!values.empty() && member_values(o).empty()) {
        std::string joined;
        for (const auto& v : values)
            joined += (joined.empty() ? "" : ", ") + v;
        os << ".\nValues: " << roff(joined);
    } else if (!member_values(o).empty()) {
        std::string joined;
        for (const auto& v : member_values(o))
            joined += (joined.empty() ? "" : ", ") + v;
        os << ".\nOne of: " << roff(joined);
    }
    os << "\n";
}

void see_also(std::ostream& os, const AppDocs& app, std::string_view self)
{
    os << ".SH SEE ALSO\n";
    std::string refs;
    for (const auto& page : man_page_names(app))
        if (page != self)
            refs += (refs.empty() ? "" : ",\n") + std::string(".BR ") + roff(page) + " (8)";
    os << refs << "\n.PP\nThe guides in /usr/share/doc/aio\\-audit/ (docs/ in the source tree): usage.md, "
               "verdicts.md, probe.md, trace.md, scan.md, rules.md, ci.md.\n";
}

void header(std::ostream& os, std::string_view page)
{
    std::string upper(page);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    os << ".\\\" Generated by `aio-audit --generate-man-page " << page << "` from its --help; do not edit.\n"
       << ".TH " << roff(upper) << " 8 \"\" \"aio\\-audit " << AIO_AUDIT_VERSION << "\" \"System Administration\"\n";
}

void main_page(std::ostream& os, const AppDocs& app)
{
    header(os, "aio-audit");
    os << ".SH NAME\naio\\-audit \\- " << roff(short_description(app.program.description)) << "\n"
       << ".SH SYNOPSIS\n.B aio\\-audit\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n.br\n"
       << ".B aio\\-audit\n[\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR]\n"
       << ".SH DESCRIPTION\n";
    std::string d = app.program.description;
    if (d.rfind("aio-audit: ", 0) == 0)
        d.erase(0, 11);
    os << roff(d) << "\n.SH COMMANDS\n";
    for (const auto& sub : app.commands)
        os << ".TP\n.B " << roff(sub.name) << "\n"
           << roff(sub.description) << " See\n.BR aio\\-audit\\-" << roff(sub.name) << " (8).\n";
    os << ".SH OPTIONS\n";
    for (const auto* o : named_options(app.program))
        option_item(os, app.program, *o);
    const FooterParts f = split_footer(app.program.footer);
    os << ".SH EXAMPLES\n";
    preformatted(os, f.examples);
    os << ".SH EXIT STATUS\n";
    preformatted(os, f.exit_status);
    see_also(os, app, "aio-audit");
}

void command_page(std::ostream& os, const AppDocs& app, const CommandDoc& sub)
{
    const std::string page = "aio-audit-" + sub.name;
    header(os, page);
    os << ".SH NAME\n"
       << roff(page) << " \\- " << roff(short_description(sub.description)) << "\n"
       << ".SH SYNOPSIS\n.B aio\\-audit " << roff(sub.name) << "\n[\\fIOPTIONS\\fR]";
    for (const auto* p : positionals(sub)) {
        std::string name = positional_name(*p);
        const bool many = p->many && name.find("...") == std::string::npos;
        if (p->name == "command")  // trace -- COMMAND
            os << " [\\fB\\-\\-\\fR \\fICOMMAND\\fR [\\fIARGS\\fR...]]";
        else if (p->required)
            os << " \\fI" << roff(name) << "\\fR" << (many ? "..." : "");
        else
            os << " [\\fI" << roff(name) << "\\fR" << (many ? "..." : "") << "]";
    }
    os << "\n.SH DESCRIPTION\n" << roff(sub.description) << "\n";
    const auto pos = positionals(sub);
    if (!pos.empty()) {
        os << ".SH ARGUMENTS\n";
        for (const auto* p : pos)
            os << ".TP\n\\fI" << roff(positional_name(*p)) << "\\fR\n" << roff(p->description) << "\n";
    }
    os << ".SH OPTIONS\n";
    for (const auto* o : named_options(sub))
        option_item(os, sub, *o);
    const FooterParts f = split_footer(sub.footer);
    os << ".SH EXAMPLES\n";
    preformatted(os, f.examples);
    os << ".SH EXIT STATUS\n";
    preformatted(os, f.exit_status);
    see_also(os, app, page);
}

// ---- completion ----

// How an option's value or a positional argument is completed.
std::string value_kind(const CommandDoc& sub, const OptionDoc& o)
{
    if (!option_values(sub, o).empty())
        return "words";
    const std::string name = o.positional ? positional_name(o) : value_name(o);
    if (o.name == "command")
        return "command";
    if (name == "DIR" || o.long_names == std::vector<std::string>{"scratch"})
        return "dir";
    if (name == "FILE" || name == "PATH..." || name == "TARGET" ||
        o.long_names == std::vector<std::string>{"folded"} ||
        o.long_names == std::vector<std::string>{"compare"} ||
        o.long_names == std::vector<std::string>{"load"} || o.long_names == std::vector<std::string>{"tree"})
        return "file";
    if (o.positional)
        return "file";
    return "none";  // a number, a name: nothing to offer
}

std::string shell_words(const std::vector<std::string>& words)
{
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

// Options whose values are comma-separated lists (completed item by item).
bool takes_list(const OptionDoc& o)
{
    static const std::vector<std::string> lists = {"engine", "op", "mode", "expect", "only", "fs", "fail-on",
                                                   "ignore"};
    for (const auto& l : o.long_names)
        if (std::find(lists.begin(), lists.end(), l) != lists.end())
            return true;
    return false;
}

void bash_completion(std::ostream& os, const AppDocs& app)
{
    os << "# bash completion for aio-audit. Generated by `aio-audit --generate-completion bash`\n"
          "# from the same definitions as --help; do not edit.\n"
          "_aio_audit_words()\n{\n"
          "\t# $1: the words; $2: 1 when the value is a comma-separated list.\n"
          "\tlocal cur=$3 prefix=\n"
          "\tif [[ $2 == 1 && $cur == *,* ]]; then prefix=${cur%,*},; cur=${cur##*,}; fi\n"
          "\tlocal w\n\tCOMPREPLY=()\n"
          "\tfor w in $1; do [[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$prefix$w\"); done\n"
          "\t[[ $2 == 1 ]] && compopt -o nospace 2>/dev/null\n\treturn 0\n}\n\n"
          "_aio_audit()\n{\n"
          "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "\tlocal cmd= i\n"
          "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
          "\t\tcase ${COMP_WORDS[i]} in\n"
          "\t\t--) [[ $cmd == trace ]] && { COMPREPLY=($(compgen -c -- \"$cur\")); return 0; } ;;\n";
    std::string names;
    for (const auto& sub : app.commands)
        names += (names.empty() ? "" : "|") + sub.name;
    os << "\t\t" << names << ") [[ -z $cmd ]] && cmd=${COMP_WORDS[i]} ;;\n\t\tesac\n\tdone\n"
       << "\tcase $cmd in\n";
    auto emit = [&](const std::string& label, const CommandDoc& cmd,
                    const std::vector<std::string>& extra_words) {
        os << "\t" << label << ")\n\t\tcase $prev in\n";
        for (const auto* o : named_options(cmd)) {
            if (o->flag)
                continue;
            std::string pat;
            for (const auto& n : flag_names(*o))
                pat += (pat.empty() ? "" : "|") + n;
            const std::string kind = value_kind(cmd, *o);
            os << "\t\t" << pat << ") ";
            if (kind == "words")
                os << "_aio_audit_words '" << shell_words(option_values(cmd, *o)) << "' " << (takes_list(*o) ? 1 : 0)
                   << " \"$cur\"; return 0 ;;\n";
            else if (kind == "dir")
                os << "COMPREPLY=($(compgen -d -- \"$cur\")); return 0 ;;\n";
            else if (kind == "file")
                os << "COMPREPLY=($(compgen -f -- \"$cur\")); return 0 ;;\n";
            else
                os << "COMPREPLY=(); return 0 ;;\n";
        }
        os << "\t\tesac\n";
        std::vector<std::string> opts;
        for (const auto* o : named_options(cmd))
            for (const auto& n : flag_names(*o))
                opts.push_back(n);
        os << "\t\tif [[ $cur == -* ]]; then\n\t\t\tCOMPREPLY=($(compgen -W '" << shell_words(opts)
           << "' -- \"$cur\"))\n";
        const auto pos = positionals(cmd);
        if (!extra_words.empty())
            os << "\t\telse\n\t\t\tCOMPREPLY=($(compgen -W '" << shell_words(extra_words) << "' -- \"$cur\"))\n";
        else if (!pos.empty() && value_kind(cmd, *pos.front()) == "dir")
            os << "\t\telse\n\t\t\tCOMPREPLY=($(compgen -d -- \"$cur\"))\n";
        else if (!pos.empty() && value_kind(cmd, *pos.front()) != "command")
            os << "\t\telse\n\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n";
        os << "\t\tfi\n\t\t;;\n";
    };
    std::vector<std::string> cmds;
    for (const auto& sub : app.commands)
        cmds.push_back(sub.name);
    emit("''", app.program, cmds);
    for (const auto& sub : app.commands)
        emit(sub.name, sub, {});
    os << "\tesac\n\treturn 0\n}\ncomplete -o filenames -F _aio_audit aio-audit\n";
}

// zsh's _arguments quotes: brackets and colons in descriptions are syntax.
std::string zsh_text(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else if (c == '[' || c == ']' || c == ':')
            out += std::string("\\") + c;
        else if (c == '\n')
            out += ' ';
        else
            out += c;
    }
    return out;
}

void zsh_specs(std::ostream& os, const CommandDoc& cmd, const std::string& indent)
{
    for (const auto* o : named_options(cmd)) {
        const auto names = flag_names(*o);
        std::string excl;
        for (const auto& n : names)
            excl += (excl.empty() ? "" : " ") + n;
        std::string desc = o->description;
        desc = desc.substr(0, desc.find(". "));
        std::string action;
        if (!o->flag) {
            const std::string kind = value_kind(cmd, *o);
            const std::string label = zsh_text(value_name(*o));
            if (kind == "words" && takes_list(*o))
                action = ":" + label + ":_sequence compadd - " + shell_words(option_values(cmd, *o));
            else if (kind == "words")
                action = ":" + label + ":(" + shell_words(option_values(cmd, *o)) + ")";
            else if (kind == "dir")
                action = ":" + label + ":_files -/";
            else if (kind == "file")
                action = ":" + label + ":_files";
            else
                action = ":" + label + ": ";
        }
        // Options that may be given more than once are not excluded after use.
        const bool repeatable = takes_list(*o);
        for (const auto& n : names)
            os << indent << "'" << (repeatable ? "*" : "(" + excl + ")") << n << "[" << zsh_text(desc) << "]"
               << action << "' \\\n";
    }
}

void zsh_completion(std::ostream& os, const AppDocs& app)
{
    os << "#compdef aio-audit\n"
          "# zsh completion for aio-audit. Generated by `aio-audit --generate-completion zsh`\n"
          "# from the same definitions as --help; do not edit.\n\n";
    for (const auto& sub : app.commands) {
        os << "_aio_audit_" << sub.name << "()\n{\n\t_arguments -s -S \\\n";
        zsh_specs(os, sub, "\t\t");
        const auto pos = positionals(sub);
        if (!pos.empty()) {
            const std::string kind = value_kind(sub, *pos.front());
            if (kind == "command")
                os << "\t\t'(-)*::command:_normal' \\\n";
            else
                os << "\t\t'*:" << zsh_text(positional_name(*pos.front())) << ":"
                   << (kind == "dir" ? "_files -/" : "_files") << "' \\\n";
        }
        os << "\t\t&& return 0\n\treturn 1\n}\n\n";
    }
    os << "_aio_audit()\n{\n\tlocal curcontext=$curcontext state line\n\ttypeset -A opt_args\n"
          "\t_arguments -C \\\n";
    zsh_specs(os, app.program, "\t\t");
    os << "\t\t'1:command:->command' \\\n\t\t'*::argument:->argument' && return 0\n"
          "\tcase $state in\n\tcommand)\n\t\tlocal -a commands\n\t\tcommands=(\n";
    for (const auto& sub : app.commands)
        os << "\t\t\t'" << sub.name << ":" << zsh_text(short_description(sub.description)) << "'\n";
    os << "\t\t)\n\t\t_describe -t commands 'aio-audit command' commands\n\t\t;;\n"
          "\targument)\n\t\tcase $line[1] in\n";
    for (const auto& sub : app.commands)
        os << "\t\t" << sub.name << ") _aio_audit_" << sub.name << " ;;\n";
    os << "\t\tesac\n\t\t;;\n\tesac\n}\n\n_aio_audit \"$@\"\n";
}

}  // namespace

std::vector<std::string> option_values(const CommandDoc& sub, const OptionDoc& opt)
{
    std::vector<std::string> out = member_values(opt);
    if (!out.empty())
        return out;
    const std::string& cmd = sub.name;
    const std::string lname = opt.long_names.empty() ? "" : opt.long_names.front();
    auto verdicts = [](bool static_only) {
        std::vector<std::string> v;
        for (auto verdict : model::kAllVerdicts) {
            const bool is_static = verdict == model::Verdict::odirect_async || verdict == model::Verdict::unknown;
            const bool is_live = verdict == model::Verdict::thread_async;
            if (static_only ? !is_live : !is_static)
                v.emplace_back(model::name(verdict));
        }
        return v;
    };
    if ((cmd == "probe" || cmd == "matrix") && lname == "engine")
        for (auto e : {probe::EngineKind::libaio, probe::EngineKind::io_uring, probe::EngineKind::posix})
            out.emplace_back(probe::name(e));
    if (cmd == "probe" && lname == "op") {
        for (auto op : {probe::Op::read, probe::Op::overwrite, probe::Op::append, probe::Op::fill_holes,
                        probe::Op::fill_prealloc, probe::Op::write})
            out.emplace_back(probe::name(op));
        out.emplace_back("fill");
    }
    if (cmd == "probe" && lname == "mode")
        out = {"buffered", "direct"};
    if (cmd == "probe" && lname == "expect")
        out = verdicts(false);
    if (cmd == "scan" && lname == "only")
        out = verdicts(true);
    if (cmd == "matrix" && lname == "fs")
        for (const auto& c : matrix::catalog())
            out.push_back(c.id);
    if (cmd == "check" && (lname == "fail-on" || lname == "ignore")) {
        if (lname == "fail-on")
            out = verdicts(true);
        for (const auto& r : model::finding_rules())
            if (std::find(out.begin(), out.end(), r.name) == out.end())
                out.emplace_back(r.name);
        if (lname == "fail-on")
            for (const char* w : {"contract", "error", "warning", "note", "none"})
                out.emplace_back(w);
    }
    return out;
}

std::vector<std::string> man_page_names(const AppDocs& app)
{
    std::vector<std::string> out{"aio-audit"};
    for (const auto& sub : app.commands)
        out.push_back("aio-audit-" + sub.name);
    return out;
}

bool write_man_page(std::ostream& os, const AppDocs& app, std::string_view page)
{
    if (page == "aio-audit") {
        main_page(os, app);
        return true;
    }
    if (page.rfind("aio-audit-", 0) == 0)
        page.remove_prefix(10);
    const CommandDoc* sub = find_sub(app, page);
    if (!sub)
        return false;
    command_page(os, app, *sub);
    return true;
}

bool write_completion(std::ostream& os, const AppDocs& app, std::string_view shell)
{
    if (shell == "bash")
        bash_completion(os, app);
    else if (shell == "zsh")
        zsh_completion(os, app);
    else
        return false;
    return true;
}

}  // namespace aio::cli
