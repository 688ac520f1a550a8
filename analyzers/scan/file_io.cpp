// SPDX-License-Identifier: GPL-2.0-only
#include "scan/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace aio::scan {

char* Bytes::prepare(std::size_t n)
{
    if (n > cap_ || !data_) {
        data_.reset(new char[n + 1]);
        cap_ = n;
    }
    return data_.get();
}

int read_file(const std::string& path, Bytes& out, std::size_t max)
{
    out.clear();
    // O_NONBLOCK: a FIFO named foo.c must not hang the scan.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return err;
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return EINVAL;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size > max) {
        ::close(fd);
        return EFBIG;
    }
    char* buf = out.prepare(size);
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::read(fd, buf + got, size - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            out.clear();
            return err;
        }
        if (n == 0)
            break;  // shrank while we read it
        got += static_cast<std::size_t>(n);
    }
    out.set_size(got);
    ::close(fd);
    return 0;
}

bool looks_binary(std::string_view content)
{
    return std::memchr(content.data(), '\0', content.size()) != nullptr;
}

std::optional<std::size_t> first_non_utf8_line(std::string_view s)
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time: most source is pure ASCII.
        if (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = p[i];
        std::size_t len = 0;
        if (c < 0x80)
            len = 1;
        else if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4;
        bool ok = len > 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k)
            ok = (p[i + k] & 0xC0) == 0x80;
        if (!ok)
            return 1 + static_cast<std::size_t>(
                           std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(i), '\n'));
        i += len;
    }
    return std::nullopt;
}

bool contains_word(std::string_view text, std::string_view word)
{
    if (word.empty())
        return false;
    auto is_ident = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    const char* base = text.data();
    std::size_t from = 0;
    while (from + word.size() <= text.size()) {
        const void* hit = ::memmem(base + from, text.size() - from, word.data(), word.size());
        if (!hit)
            return false;
        const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
        const bool left = at == 0 || !is_ident(base[at - 1]);
        const bool right = at + word.size() >= text.size() || !is_ident(base[at + word.size()]);
        if (left && right)
            return true;
        from = at + 1;
    }
    return false;
}

void Warnings::add(std::string text)
{
    std::lock_guard lock(mu_);
    items_.push_back(std::move(text));
}

void Warnings::unreadable(std::string text)
{
    std::lock_guard lock(mu_);
    if (unreadable_.insert(text).second)
        items_.push_back(std::move(text));
}

std::uint64_t Warnings::unreadable_count()
{
    std::lock_guard lock(mu_);
    return unreadable_.size();
}

std::vector<std::string> Warnings::take()
{
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    out.swap(items_);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace aio::scan
