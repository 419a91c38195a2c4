// SHA-256 (libsodium) as lower-case hex: rule-file versions and the audit chain.
#pragma once

#include <string>
#include <string_view>

namespace keydesk::internal {

std::string sha256_hex(std::string_view data);

}  // namespace keydesk::internal
