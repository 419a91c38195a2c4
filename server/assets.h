// The pages' files (plain HTML, CSS and JavaScript in server/assets/), built into the binary:
// nothing to install beside it, nothing fetched from the internet.
#pragma once

#include <string>
#include <string_view>

namespace keydesk::server {

struct Asset {
  std::string_view body;
  const char* type;  // Content-Type
};

// The asset served at `path`: the page shell for every page path (/, /login, /cases/ID, …),
// the script and the style sheet under /static/. nullptr: none.
const Asset* find_asset(const std::string& path);

}  // namespace keydesk::server
