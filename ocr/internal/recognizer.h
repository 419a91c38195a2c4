// One Tesseract engine reading single lines (ROI recognition: each line cut out of the page by
// internal::line_image). Not thread-safe: one per worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ocr/internal/leptonica.h"
#include "ocr/scan.h"

namespace tesseract {
class TessBaseAPI;
}

namespace keydesk::ocr::internal {

struct Glyph {
  std::string text;  // one UTF-8 character (or a short cluster)
  Box box;
  float confidence = 0;
};

struct LineRead {
  std::string text;  // glyphs joined, spaces between CJK characters dropped
  std::vector<Glyph> glyphs;
  float confidence = 0;
};

class Recognizer {
 public:
  // `language` is a Tesseract language ("chi_sim", "eng"); `whitelist` limits the characters
  // (for codes). nullptr and *error set when the language data cannot be loaded.
  static std::unique_ptr<Recognizer> create(const std::string& tessdata_dir,
                                            const std::string& language,
                                            const std::string& whitelist, std::string* error);
  ~Recognizer();

  // Reads the one line of text on `line` (8 bpp grey); glyph boxes are on `line`.
  LineRead read(Pix* line);

 private:
  Recognizer() = default;
  // One reading of `line`; glyph boxes moved by `margin` (a border added around it) back.
  LineRead read_as_is(Pix* line, int margin);
  std::unique_ptr<tesseract::TessBaseAPI> api_;
};

}  // namespace keydesk::ocr::internal
