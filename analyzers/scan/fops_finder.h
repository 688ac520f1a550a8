// SPDX-License-Identifier: GPL-2.0-only
//
// Finds every struct file_operations a token span declares: initialized
// ones (designated, GNU `field:` or positional), arrays of them, and ones
// left empty and filled in by assignments at run time.
#pragma once

#include <vector>

#include "scan/parsed_file.h"

namespace aio::scan {

std::vector<FopsDecl> find_fops_in(const TokenSpan& code, model::FopsOrigin origin);

}  // namespace aio::scan
