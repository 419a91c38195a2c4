// Result<T>: a value or an Error a person can act on.
//
// Expected failures (a date outside the calendar's data, a rule file with a typo) are returned as
// values, never thrown. Exceptions are reserved for bugs and the outermost boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "engine/diagnostic.h"

namespace keydesk {

// An expected failure. `message` names the file, field or value at fault and says what to do;
// `diagnostics` lists every place in a file to edit when the failure is a file's content.
struct Error {
  std::string message;
  Diagnostics diagnostics = {};
};

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
