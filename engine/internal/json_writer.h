// A JSON text written as it goes, for pages too large to build as an nlohmann::json first: the
// queue's 200 cases were a tree of 6,000 small allocations before a byte was sent (issue 23).
// Strings are written as nlohmann::json::dump(-1, ' ', false, error_handler_t::replace) writes
// them: UTF-8 kept as it is, control characters escaped, an invalid byte sequence replaced by
// U+FFFD, so a page reads the same whichever way it was made.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace keydesk::internal {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The name of the next member of the object being written.
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(long long n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& null();
  // A value already made as a tree (small parts: a list of years).
  JsonWriter& value(const nlohmann::json& j);
  // key(name) then value(v).
  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }
  void reserve(std::size_t bytes) { out_.reserve(bytes); }

 private:
  void separate();  // the comma before a value or a key, where one is due
  void string(std::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace keydesk::internal
