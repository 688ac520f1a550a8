// SPDX-License-Identifier: GPL-2.0-only
//
// Every C file under the scanned roots, and where each name is defined.
// The walk fills it (one skim per file, text_search.h); then a handler's
// callee defined anywhere in the roots — mm/, block/, net/, a static inline
// in a header — is found by name, and only that definition is cut out of
// its file and parsed. Lookups are by name hash over a sorted index, so a
// whole-tree scan parses what its handlers reach and nothing else.
// Everything here is safe to use from several threads once sealed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scan/file_io.h"
#include "scan/parsed_file.h"
#include "scan/text_search.h"

namespace aio::scan {

struct CorpusFile {
    std::string display;  // what reports show
    std::string fs_path;  // what open() gets
    std::uint32_t dir = 0;
    bool header = false;   // a .h file
    bool primary = true;   // report its fops (false: read only to resolve names)
};

struct IndexEntry {
    std::uint32_t hash = 0;
    std::uint32_t file = 0;
    std::uint32_t offset = 0;
    std::uint32_t line = 0;
    DefKind kind = DefKind::function;
};

// One definition found by name.
struct Definition {
    std::shared_ptr<const ParsedFile> keep;  // keeps `file` alive when it is a cut-out definition
    const ParsedFile* file = nullptr;
    const FunctionDef* def = nullptr;
    bool is_static = false;
};

// Work done, for the tests that hold the scan to linear cost (counting
// steps, never timing them).
struct WorkCounter {
    std::atomic<std::uint64_t> steps{0};
    void add(std::uint64_t n) { steps.fetch_add(n, std::memory_order_relaxed); }
};

class Corpus {
public:
    Corpus();
    ~Corpus();
    Corpus(const Corpus&) = delete;
    Corpus& operator=(const Corpus&) = delete;

    // ---- filled by the walk, from several threads
    std::uint32_t add_dir(std::string display);
    std::uint32_t add_file(CorpusFile f);
    // Each walking thread has its own shard; `shard` < shards().
    void set_shards(unsigned n);
    void add_definitions(unsigned shard, std::uint32_t file, const std::vector<DefinitionLine>& defs);
    // Merges the shards into the sorted index; no more add_*() after this.
    void seal();

    // ---- read after seal()
    std::size_t size() const { return files_.size(); }
    const CorpusFile& file(std::uint32_t id) const { return files_[id]; }
    std::string_view dir_display(std::uint32_t dir) const { return dirs_[dir]; }
    // The files of one directory, sorted by name.
    std::span<const std::uint32_t> files_in_dir(std::uint32_t dir) const;
    // Index lines whose name has `name`'s hash (confirm by parsing).
    std::span<const IndexEntry> candidates(std::string_view name) const;
    std::size_t index_size() const { return index_.size(); }

    // Definitions of function `name` in file `id` (parsed from the index's
    // lines, each definition cut out of the file). Empty when none.
    std::vector<Definition> definitions_in(std::uint32_t id, std::string_view name);
    // Function definitions of `name` anywhere in the roots.
    std::vector<Definition> definitions(std::string_view name);
    // Whether `name` is a function-like macro defined in the roots.
    bool is_macro(std::string_view name);
    // The initializer of object `name` (an ops table), cut out of its file.
    std::vector<std::shared_ptr<const ParsedFile>> objects(std::string_view name);

    // A whole file, parsed once and kept; nullptr when unreadable or binary
    // (warned once). `adopt` hands over bytes already read.
    std::shared_ptr<const ParsedFile> whole(std::uint32_t id);
    std::shared_ptr<const ParsedFile> adopt_whole(std::uint32_t id, Bytes bytes);
    // Keeps a file parsed during the walk for later analysis.
    void keep_whole(std::uint32_t id, std::shared_ptr<const ParsedFile> pf);
    // The file's bytes (read again from disk), for text searches.
    bool read(std::uint32_t id, Bytes& out);

    Warnings& warnings() { return warnings_; }
    WorkCounter& work() { return work_; }

private:
    std::shared_ptr<const ParsedFile> fragment(const IndexEntry& e);

    std::mutex build_mu_;
    std::vector<CorpusFile> files_;
    std::vector<std::string> dirs_;
    std::vector<std::vector<IndexEntry>> shards_;
    std::vector<IndexEntry> index_;             // sorted by hash
    std::vector<std::uint32_t> bucket_;         // index_ position of each top-16-bit hash bucket
    std::vector<std::uint32_t> dir_files_;      // file ids grouped by dir
    std::vector<std::uint32_t> dir_start_;      // dir -> first position in dir_files_

    std::mutex cache_mu_;
    std::unordered_map<std::uint64_t, std::shared_ptr<const ParsedFile>> fragments_;
    std::unordered_map<std::uint32_t, std::shared_ptr<const ParsedFile>> wholes_;
    Warnings warnings_;
    WorkCounter work_;
};

// Where the definition that starts on the column-0 line at `offset` ends:
// [begin, end) covers its header lines, body or initializer. False when it
// is no definition (a prototype). Braces are counted as the preprocessor
// keeps them: in the first branch of an #if/#else group.
bool definition_extent(std::string_view text, std::size_t offset, DefKind kind, std::size_t& begin,
                       std::size_t& end);

}  // namespace aio::scan
