// Result<T>: a value or an Error a person can act on.
//
// Expected failures (a date outside the calendar's data, a rule file with a typo) are returned as
// values, never thrown. Exceptions are reserved for bugs and the outermost boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/diagnostic.h"

namespace keydesk {

// What kind of failure an Error is: each front maps it once, to an HTTP status (server/
// http_util.h) and to an exit code (cli/context.h).
enum class ErrorKind {
  invalid_input,  // what was sent or written is wrong: a field, a file's content (400/422, exit 2)
  not_found,      // no such case, file, procedure (404, exit 2)
  refused,        // a rule says no: the action is not possible now (409, exit 1)
  forbidden,      // this person may not (403, exit 1)
  stale,          // the case changed since it was seen (409, exit 1)
  busy,           // the database, or the server, is busy: try again (503, exit 2)
  unavailable,    // the database server cannot be reached now: try again later (503, exit 2)
  io,             // a file or the database could not be read or written (500, exit 2)
  corrupt,        // stored data is damaged (500, exit 2)
};

// An expected failure. `message` names the file, field or value at fault and says what to do;
// `diagnostics` lists every place in a file to edit when the failure is a file's content.
struct Error {
  std::string message;
  Diagnostics diagnostics = {};
  ErrorKind kind = ErrorKind::invalid_input;
};

inline Error error_of(ErrorKind kind, std::string message) {
  return Error{std::move(message), {}, kind};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The value, or `fallback` when there is none.
  T value_or(T fallback) const& { return ok() ? std::get<0>(v_) : std::move(fallback); }

  // REQUIRES: !ok()
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// An operation that gives nothing back but may fail.
using Status = Result<std::monostate>;

}  // namespace keydesk
