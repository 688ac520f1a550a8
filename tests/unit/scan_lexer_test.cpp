// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/lexer.h"
#include "scan/text_search.h"
#include "scan/parsed_file.h"
#include "scan/preprocess.h"

namespace scan_lexer_test {

using namespace aio::scan;

namespace {

std::vector<std::string> texts(const LexedSource& s, bool with_pp = true)
{
    std::vector<std::string> out;
    for (const auto& t : s.tokens)
        if (with_pp || !t.pp)
            out.emplace_back(s.str(t));
    return out;
}

std::vector<std::string> code_texts(std::string_view src)
{
    LexedSource lx;
    lex(src, lx);
    Preprocessed pp;
    preprocess(lx, pp);
    std::vector<std::string> out;
    for (const auto& t : pp.code)
        out.emplace_back(lx.str(t));
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(ScanLexer, SkipsCommentsAndKeepsStringsAndCharsWhole)
{
    LexedSource lx;
    lex("a /* { */ b // } c\n\"x { \\\" }\" '{' '\\'' d", lx);
    EXPECT_EQ(texts(lx), (V{"a", "b", "\"x { \\\" }\"", "'{'", "'\\''", "d"}));
}

TEST(ScanLexer, MultiCharacterPunctuators)
{
    LexedSource lx;
    lex("p->q <<= r >>= s ... a##b x|=y x!=y -EIOCBQUEUED", lx);
    EXPECT_EQ(texts(lx), (V{"p", "->", "q", "<<=", "r", ">>=", "s", "...", "a", "##", "b", "x", "|=", "y",
                            "x", "!=", "y", "-", "EIOCBQUEUED"}));
}

TEST(ScanLexer, LineContinuationsJoinTokensAndKeepLineNumbers)
{
    LexedSource lx;
    lex("one\n.read_it\\\ner = f,\nlast", lx);
    ASSERT_EQ(texts(lx), (V{"one", ".", "read_iter", "=", "f", ",", "last"}));
    EXPECT_EQ(lx.tokens[0].line, 1u);
    EXPECT_EQ(lx.tokens[1].line, 2u);
    EXPECT_EQ(lx.tokens[6].line, 4u);  // the spliced line still counts
}

TEST(ScanLexer, CountsLinesInsideBlockComments)
{
    LexedSource lx;
    lex("/*\n\n\n*/ x", lx);
    ASSERT_EQ(lx.tokens.size(), 1u);
    EXPECT_EQ(lx.tokens[0].line, 4u);
}

TEST(ScanLexer, DirectivesAreMarkedAndEndAtTheLine)
{
    LexedSource lx;
    lex("#define A \\\n  1\nint x;\n  # include <x.h>\ny", lx);
    EXPECT_EQ(texts(lx, false), (V{"int", "x", ";", "y"}));
    EXPECT_TRUE(lx.tokens[0].directive_start);
}

TEST(ScanLexer, NeverFailsOnGarbage)
{
    LexedSource lx;
    const std::string junk("\"unterminated\n'x\n/* never closed \xff\xfe\x00 {{{", 40);
    lex(junk, lx);
    SUCCEED();
    lex("", lx);
    EXPECT_TRUE(lx.tokens.empty());
    lex("\\", lx);
    lex("#", lx);
}

TEST(ScanPreprocess, KeepsBothBranchesDropsIfZero)
{
    EXPECT_EQ(code_texts("#ifdef A\na\n#else\nb\n#endif\n#if 0\ndead\n#else\nlive\n#endif\n#if "
                         "1\none\n#else\ntwo\n#endif"),
              (V{"a", "b", "live", "one"}));
}

TEST(ScanPreprocess, UnbalancedBranchesKeepTheFirst)
{
    EXPECT_EQ(code_texts("#ifdef W\nf(a) {\n#else\nf(a, b) {\n#endif\n}"), (V{"f", "(", "a", ")", "{", "}"}));
    EXPECT_EQ(code_texts("{\n#if A\n}\n#else\n x }\n#endif\n"), (V{"{", "}"}));
    // Balanced branches are all kept, nested groups included.
    EXPECT_EQ(code_texts("#if A\n#ifdef B\n(b)\n#else\n[c]\n#endif\n#else\n{d}\n#endif"),
              (V{"(", "b", ")", "[", "c", "]", "{", "d", "}"}));
}

TEST(ScanPreprocess, StrayAndUnterminatedDirectives)
{
    EXPECT_EQ(code_texts("#endif\n#else\nx\n#if X\ny"), (V{"x", "y"}));
}

TEST(ScanPreprocess, RecordsMacrosWithParameters)
{
    LexedSource lx;
    lex("#define F(a, b) a ## b\n#define G (x)\n", lx);
    Preprocessed pp;
    preprocess(lx, pp);
    ASSERT_EQ(pp.macros.size(), 2u);
    EXPECT_EQ(pp.macros[0].name, "F");
    EXPECT_TRUE(pp.macros[0].function_like);
    EXPECT_EQ(pp.macros[0].params, (std::vector<std::string_view>{"a", "b"}));
    EXPECT_EQ(pp.macros[0].body.size(), 3u);
    EXPECT_FALSE(pp.macros[1].function_like);  // a space before '(' makes it object-like
}

TEST(ScanParsedFile, IndexesFunctionsPastAttributesAndMacros)
{
    const std::string src =
        "static int __init foo(void) __acquires(x)\n{ return 0; }\n"
        "DEFINE_SHOW_ATTRIBUTE(bar)\n"
        "static ssize_t\nbaz(struct kiocb *iocb,\n    struct iov_iter *to)\n{\n  if (x) { y(); }\n}\n"
        "struct s { int (*fn)(void); };\n"
        "static const struct file_operations f = { .read_iter = baz };\n"
        "int __attribute__((noinline)) qux(int a) { return a; }\n";
    ParsedFile pf("x.c", src);
    std::vector<std::string> names;
    for (const auto& f : pf.functions())
        names.emplace_back(f.name);
    EXPECT_EQ(names, (V{"foo", "baz", "qux"}));
    ASSERT_NE(pf.find("baz"), nullptr);
    EXPECT_EQ(pf.find("baz")->front().line, 5u);
    EXPECT_EQ(pf.find("baz")->front().last_line, 9u);
}

TEST(ScanParsedFile, BracketsMatchEvenWhenUnbalanced)
{
    ParsedFile pf("x.c", "f( { ) } ] g( { } x");
    const TokenSpan& c = pf.code();
    ASSERT_EQ(c.size, 11u);
    EXPECT_EQ(c.close(2), 4u);   // the stray ')' does not close the '{'
    EXPECT_EQ(c.close(1), 11u);  // an unclosed '(' runs to the end
    EXPECT_EQ(c.close(8), 9u);
}

TEST(ScanIndex, DefinitionLinesWithLongNamesAcrossVectorWidths)
{
    // Names longer than the 16 bytes read at a time, ending at every
    // offset in a block, and lines that are too short for a whole block.
    auto def = [](std::string_view text) -> std::pair<std::string, int> {
        std::string_view name;
        aio::scan::DefKind kind{};
        if (!aio::scan::definition_on_line(text, name, kind))
            return {"", -1};
        return {std::string(name), static_cast<int>(kind)};
    };
    const int fn = static_cast<int>(aio::scan::DefKind::function);
    const int macro = static_cast<int>(aio::scan::DefKind::macro);
    const int object = static_cast<int>(aio::scan::DefKind::object);
    for (std::size_t len = 1; len <= 40; ++len) {
        const std::string n = "n" + std::string(len - 1, '_');
        EXPECT_EQ(def("#define " + n + "(x) ((x) + 1)\nint y;\n"), std::make_pair(n, macro)) << len;
        EXPECT_EQ(def("#define " + n + " 0x10\n#define OTHER(x) x\n"), std::make_pair(std::string(), -1)) << len;
        EXPECT_EQ(def("#define " + n + " pr_err\nstatic int f(void)\n"), std::make_pair(n, macro)) << len;
        EXPECT_EQ(def("static ssize_t " + n + "(struct kiocb *iocb, struct iov_iter *to)\n{\n"),
                  std::make_pair(n, fn))
            << len;
        EXPECT_EQ(def("int " + n + "(void);\n"), std::make_pair(std::string(), -1)) << len;
        EXPECT_EQ(def("static const struct file_operations " + n + " = {\n\t.read_iter = r,\n};\n"),
                  std::make_pair(n, object))
            << len;
    }
    EXPECT_EQ(def("#define X"), std::make_pair(std::string(), -1));
    EXPECT_EQ(def("f("), std::make_pair(std::string("f"), fn));
}

}  // namespace scan_lexer_test
