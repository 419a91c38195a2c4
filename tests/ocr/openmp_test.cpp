// Tesseract's OpenMP regions run in the thread that reads (ocr/internal/serial_openmp.cpp): the
// definitions this executable and the keydesk binary export are the ones Tesseract's calls bind
// to, and reading a page starts no thread. ctest runs this file with no OMP_THREAD_LIMIT set, as a
// counter runs keydesk: were libgomp's GOMP_parallel bound, each region would start a team of
// four threads (Tesseract asks for four), which libgomp keeps for the next.
#include <dlfcn.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "ocr/scan.h"

namespace {

size_t threads_now() {
  namespace fs = std::filesystem;
  return static_cast<size_t>(
      std::distance(fs::directory_iterator("/proc/self/task"), fs::directory_iterator()));
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("Tesseract's parallel regions run in the thread that reads, through keydesk's own entry",
          "[openmp]") {
  // The global scope resolves GOMP_parallel to this executable's definition, not libgomp's (the
  // test names no GOMP_ entry itself: the executable holds them as keydesk's does, by the link
  // options of keydesk_ocr).
  Dl_info where{};
  REQUIRE(dladdr(dlsym(RTLD_DEFAULT, "GOMP_parallel"), &where) != 0);
  REQUIRE(where.dli_fname != nullptr);
  CHECK(std::string(where.dli_fname).find("libgomp") == std::string::npos);
  CHECK(std::filesystem::equivalent(where.dli_fname, "/proc/self/exe"));

  auto analyzer = keydesk::ocr::ScanAnalyzer::create({}, {});
  REQUIRE(analyzer.ok());
  const std::string scan = read_bytes(std::filesystem::path(KEYDESK_EXAMPLES_DIR) /
                                      "submissions/S-2026-000201/business_licence.jpg");
  REQUIRE(scan.size() > 10000);
  const size_t before = threads_now();
  const keydesk::ocr::ScanResult result = (*analyzer.value()).analyse(scan, "business_licence");
  // The page was read (lines of text came back), and no thread was started to read it.
  CHECK(result.lines.size() >= 5);
  CHECK(threads_now() == before);
}

TEST_CASE("the keydesk binary exports the entries Tesseract's parallel regions bind to",
          "[openmp]") {
  const std::string command = std::string("nm -D --defined-only '") + KEYDESK_BINARY + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::string symbols;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()))
    symbols += buffer.data();
  for (const char* entry : {" T GOMP_parallel\n", " T GOMP_parallel_sections\n",
                            " T GOMP_sections_next\n", " T GOMP_sections_end_nowait\n"}) {
    INFO(entry);
    CHECK(symbols.find(entry) != std::string::npos);
  }
}
