// SPDX-License-Identifier: GPL-2.0-only
//
// Names to code, as a reader of a module resolves them: a callee in the
// caller's own file, then in its directory, then anywhere in the scanned
// roots (a static function only in its own file; a static inline in any
// header). A module (a directory) also answers questions about itself:
// which functions it installs in a struct member (->direct_IO,
// ->read_folio, ->issue_read), including ops tables it points to elsewhere
// (`a_ops = &ram_aops`), and which of its functions complete a kiocb. One
// Resolver belongs to one thread; the Corpus behind it is shared.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/static_verdict.h"
#include "scan/corpus.h"

namespace aio::scan {

// A function a module puts in a struct member.
struct OpsBinding {
    std::string function;     // as written ("noop_direct_IO" included)
    model::SourceLocation at;  // the initializer or assignment
    std::vector<Definition> defs;
};

// A function of a module that completes a kiocb (ki_complete, aio_complete, kick_iocb).
struct Completer {
    Definition def;
    model::SourceLocation at;  // the completion call
    std::string what;
};

class Resolver {
public:
    // Without a corpus every file stands alone (unit tests, the fuzzer).
    explicit Resolver(Corpus* corpus);

    Corpus* corpus() const { return corpus_; }
    // The unit's directory in the corpus; kNoFile for a lone file.
    std::uint32_t dir_of(const ParsedFile& f) const;

    // Function definitions `name` can mean when called from `from`.
    const std::vector<Definition>& functions(const ParsedFile& from, std::string_view name);
    // Function definitions `name` can mean in file `file` of the corpus.
    std::vector<Definition> functions_in(std::uint32_t file, std::string_view name);
    // Definitions in `from`'s own file, then its directory only.
    const std::vector<Definition>& in_module(const ParsedFile& from, std::string_view name);
    // A function-like macro of that name exists in the roots.
    bool is_macro(std::string_view name);

    // The functions module `dir` (or the lone file `alone`) installs in
    // member `field`.
    const std::vector<OpsBinding>& ops(std::uint32_t dir, const ParsedFile* alone, std::string_view field);
    // The function members of the object (ops table) `name`, as seen from `from`.
    std::vector<std::pair<std::string, Definition>> object_functions(const ParsedFile& from,
                                                                     std::string_view name);
    // The functions of module `dir` (or `alone`) that complete a kiocb.
    const std::vector<Completer>& completers(std::uint32_t dir, const ParsedFile* alone);

    void count(std::uint64_t steps)
    {
        if (corpus_)
            corpus_->work().add(steps);
    }

private:
    struct Member {
        std::uint32_t file = kNoFile;
        std::string function;
        model::SourceLocation at;
    };
    struct Tables {
        std::map<std::string, std::vector<Member>, std::less<>> members;
    };
    const Tables& tables(std::uint32_t dir, const ParsedFile* alone);
    std::vector<std::shared_ptr<const ParsedFile>> module_files(std::uint32_t dir, const ParsedFile* alone,
                                                                std::string_view needle);

    Corpus* corpus_;
    std::vector<Definition> lookup(const ParsedFile* from, std::uint32_t id, std::string_view name);
    std::vector<Definition> module_lookup(std::uint32_t id, std::string_view name, bool same_file);

    // Names are views into parsed files, which the corpus keeps.
    struct Key {
        const void* scope;
        std::string_view name;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const
        {
            return std::hash<std::string_view>()(k.name) ^ (std::hash<const void*>()(k.scope) << 1);
        }
    };
    std::unordered_map<Key, std::vector<Definition>, KeyHash> functions_, modules_;
    std::unordered_map<std::string, bool> macros_;
    std::map<std::pair<std::uint64_t, std::string>, std::vector<OpsBinding>> ops_;
    std::map<std::uint64_t, std::vector<Completer>> completers_;
    std::map<std::uint64_t, Tables> tables_;
};

// The items of a `{ ... }` initializer at `open`: (member, first token of
// its value) for each `.member = value` or GNU `member: value`.
std::vector<std::pair<std::string_view, std::size_t>> initializer_members(const TokenSpan& c, std::size_t open);

}  // namespace aio::scan
