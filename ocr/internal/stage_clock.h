// KEYDESK_SCAN_DEBUG's stage timings: the milliseconds each step of ScanAnalyzer::analyse takes,
// on stderr.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace keydesk::ocr {

// Milliseconds since `start`, for the timings KEYDESK_SCAN_DEBUG prints.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// KEYDESK_SCAN_DEBUG=DIR: stage timings and rows read on stderr, the page images and every line
// image given to the recognizer in DIR (for tuning);
// KEYDESK_SCAN_DEBUG=- gives the timings only.
struct StageClock {
  bool on = std::getenv("KEYDESK_SCAN_DEBUG") != nullptr;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void mark(const char* stage) {
    if (!on) return;
    std::fprintf(stderr, "  %-12s %7.1f ms\n", stage, ms_since(last));
    last = std::chrono::steady_clock::now();
  }
};

}  // namespace keydesk::ocr
