// Waiting out a database that does not answer: an operation tried again until it succeeds, the
// waits between tries doubling up to a cap, each failure logged, a stop flag ending the wait
// within 100 ms. Shared by `keydesk worker` (check_worker.cpp), the batch (batch.cpp) and the
// recording of its verdicts on the cases (intake.cpp). Internal to the engine.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "common/result.h"

namespace keydesk {
struct BatchOptions;
}

namespace keydesk::internal {

// Whether `e` is what a database gives while it is away for a while: its server cannot be
// reached, or is starting or stopping (unavailable; a PostgreSQL connection the server dropped
// is made again on the next try), or another writer holds it (busy). Any other error (a missing
// table, a password refused, a full disk) stays until a person acts: waiting would not help.
inline bool outage(const Error& e) {
  return e.kind == ErrorKind::unavailable || e.kind == ErrorKind::busy;
}

// Sleeps `d`, waking early (within 100 ms) once `*stop` is set; `stop` may be null.
inline void pause(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + d;
  for (auto now = Clock::now(); !(stop && stop->load()) && now < until; now = Clock::now())
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(100), until - now));
}

// How patiently() waits.
struct Patience {
  std::chrono::milliseconds first_wait{1000};   // after the first failure; doubled after each
  std::chrono::milliseconds cap{30000};         // the longest wait (at least first_wait)
  const std::atomic<bool>* stop = nullptr;      // set: the failure in hand is returned at once
  std::function<bool(const Error&)> waits_out;  // whether to wait out an error; empty: outage()
  std::function<void(const std::string&)> log;  // English lines for the operator; may be empty
  // Told before each wait how long the database has not answered (since the first failure);
  // may be empty.
  std::function<void(std::chrono::seconds)> waiting;
};

// `attempt()` (a Result or Status) until it succeeds, it fails with an error not waited out, or
// `*p.stop` is set: each failure logged with `what` ("<what> failed, trying again in 2.0 s:
// <error>"), and the first success after one ("<what>: the database answers again"). Returns
// the last try's result.
template <class Attempt>
auto patiently(const Patience& p, const std::string& what, Attempt attempt) {
  const auto first = std::max(p.first_wait, std::chrono::milliseconds(1));
  const auto cap = std::max(p.cap, first);
  auto wait = first;
  std::chrono::steady_clock::time_point failed_since;
  bool failed_before = false;
  for (;;) {
    auto r = attempt();
    if (r) {
      if (failed_before && p.log) p.log(what + ": the database answers again");
      return r;
    }
    if ((p.stop && p.stop->load()) || !(p.waits_out ? p.waits_out(r.error()) : outage(r.error())))
      return r;
    if (!failed_before) failed_since = std::chrono::steady_clock::now();
    failed_before = true;
    if (p.log) {
      char in[32];
      std::snprintf(in, sizeof in, "%.1f s", std::chrono::duration<double>(wait).count());
      p.log(what + " failed, trying again in " + in + ": " + r.error().message);
    }
    if (p.waiting)
      p.waiting(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                 failed_since));
    pause(wait, p.stop);
    wait = std::min(wait * 2, cap);
  }
}

// How a batch waits out an outage of its database (BatchOptions, batch.h): the waits doubling
// from its poll interval up to its retry cap, logged, ended by its cancel flag (batch.cpp).
Patience patience_of(const BatchOptions& o);

}  // namespace keydesk::internal
