// docs_bench: one-page fax cover sheets per second and bytes per file, through the library
// (layout, font subset, PDF), compared with python3-reportlab by run_docs.sh.
//
// Usage: docs_bench SHEET.json [--count N] [--out DIR] [--dump OPS.json]
//   --out   writes the first sheet there as keydesk.pdf
//   --dump  writes the sheet's drawing operations (texts, rules, boxes), which the peer replays,
//           so both draw exactly the same page
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "docs_gen/documents.h"
#include "docs_gen/internal/font.h"
#include "docs_gen/internal/layouts.h"

using namespace keydesk::docs;

namespace {

nlohmann::json ops_json(const internal::Drawing& d) {
  nlohmann::json pages = nlohmann::json::array();
  for (const auto& p : d.pages) {
    nlohmann::json page = {{"texts", nlohmann::json::array()},
                           {"lines", nlohmann::json::array()},
                           {"boxes", nlohmann::json::array()}};
    for (const auto& t : p.texts)
      page["texts"].push_back({t.x, t.baseline, t.size, t.bold, t.text});
    for (const auto& l : p.lines) page["lines"].push_back({l.x1, l.y1, l.x2, l.y2, l.width});
    for (const auto& b : p.boxes) page["boxes"].push_back({b.x, b.y, b.width, b.height});
    pages.push_back(page);
  }
  return {{"page", {internal::kPageWidth, internal::kPageHeight}}, {"pages", pages}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: docs_bench SHEET.json [--count N] [--out DIR] [--dump OPS.json]\n";
    return 2;
  }
  std::string input = argv[1], out_dir, dump;
  long count = 200;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--count") count = std::stol(argv[i + 1]);
    if (flag == "--out") out_dir = argv[i + 1];
    if (flag == "--dump") dump = argv[i + 1];
  }
  std::ifstream in(input);
  CoverSheet sheet = coversheet_from_json(nlohmann::json::parse(in));

  auto start = std::chrono::steady_clock::now();
  auto generator = Generator::open();
  if (!generator) {
    std::cerr << generator.error().message << '\n';
    return 2;
  }
  double open_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  if (!dump.empty()) {
    auto face = internal::FontFace::open(generator->font_path(), 0);
    auto drawing = internal::layout_coversheet(sheet, **face);
    std::ofstream(dump) << ops_json(*drawing).dump();
  }

  std::size_t bytes = 0;
  start = std::chrono::steady_clock::now();
  for (long i = 0; i < count; ++i) {
    auto pdf = generator->coversheet(sheet);
    if (!pdf) {
      std::cerr << pdf.error().message << '\n';
      return 1;
    }
    bytes = pdf->bytes.size();
    if (i == 0 && !out_dir.empty())
      std::ofstream(out_dir + "/keydesk.pdf", std::ios::binary) << pdf->bytes;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"impl\": \"keydesk\", \"sheets\": %ld, \"seconds\": %.4f, \"ms_per_sheet\": %.3f, "
      "\"bytes\": %zu, \"font_open_ms\": %.3f}\n",
      count, seconds, seconds * 1000 / static_cast<double>(count), bytes, open_ms);
  return 0;
}
