// Files a submission brings are read as files, nothing else.
//
// A submission folder comes from outside: its names may be links out of the folder (to another
// enterprise's scans, to /etc/passwd), to /dev/zero (endless), FIFOs (a read that never
// returns), directories or devices. read_regular_file() opens the name itself without following
// a link (O_NOFOLLOW), without blocking (O_NONBLOCK, so a FIFO cannot hang the batch), checks
// that what it opened is a regular file, and reads at most `max_bytes`, checked before reading.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "common/result.h"

namespace keydesk {

// The largest material file read at all (the rules' own limits are far smaller: 200 KB scans).
constexpr std::size_t kMaxMaterialBytes = 32u << 20;

// The bytes of `path`, a regular file of at most `max_bytes`. Otherwise an Error naming the file
// and saying what it is (a link, a FIFO, a directory, a device, too large, missing): kind
// not_found when there is nothing, invalid_input when it is not a plain file or too large, io
// when reading failed.
Result<std::string> read_regular_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace keydesk
