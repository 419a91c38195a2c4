#include "ocr/internal/recognizer.h"

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>

namespace keydesk::ocr::internal {
namespace {

bool is_ascii_space(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n'; });
}

}  // namespace

std::unique_ptr<Recognizer> Recognizer::create(const std::string& tessdata_dir,
                                               const std::string& language,
                                               const std::string& whitelist, std::string* error) {
  std::unique_ptr<Recognizer> recognizer(new Recognizer());
  recognizer->api_ = std::make_unique<tesseract::TessBaseAPI>();
  // Quiet: Tesseract otherwise prints "Estimating resolution" and empty-page notes per line.
  recognizer->api_->SetVariable("debug_file", "/dev/null");
  if (recognizer->api_->Init(tessdata_dir.empty() ? nullptr : tessdata_dir.c_str(),
                             language.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    if (error)
      *error = "cannot load Tesseract language data '" + language + "'" +
               (tessdata_dir.empty() ? std::string() : " from " + tessdata_dir) +
               ": install tesseract-ocr-" + (language == "chi_sim" ? "chi-sim" : language) +
               " (scripts/install-deps.sh does)";
    return nullptr;
  }
  recognizer->api_->SetPageSegMode(tesseract::PSM_SINGLE_LINE);
  recognizer->api_->SetVariable("user_defined_dpi", "150");
  // Tesseract reads a doubtful line a second time inverted (white on black); scans are never
  // inverted, and the doubtful lines (seals, emblems, handwriting) are the costly ones.
  recognizer->api_->SetVariable("tessedit_do_invert", "0");
  if (!whitelist.empty()) recognizer->api_->SetVariable("tessedit_char_whitelist", whitelist.c_str());
  return recognizer;
}

Recognizer::~Recognizer() {
  if (api_) api_->End();
}

LineRead Recognizer::read(Pix* image) {
  LineRead line = read_as_is(image, 0);
  // Now and then Tesseract finds no text on a line whose print touches the image's edge (a name
  // cut tight by its row's box came back as nothing): a line that reads as nothing is read
  // again set on a margin of its own paper grey.
  if (line.glyphs.empty() && image && pixGetDepth(image) == 8 &&
      pixGetWidth(image) >= 2 * pixGetHeight(image) && pixGetHeight(image) >= 4) {
    const int margin = std::clamp(static_cast<int>(pixGetHeight(image)) / 3, 6, 16);
    l_uint32 paper = 255;
    pixGetRankValue(image, 1, 0.9f, &paper);
    if (PixPtr bordered{pixAddBorder(image, margin, paper)})
      line = read_as_is(bordered.get(), margin);
  }
  return line;
}

LineRead Recognizer::read_as_is(Pix* image, int margin) {
  LineRead line;
  if (!image || pixGetWidth(image) < 4 || pixGetHeight(image) < 4) return line;
  api_->SetImage(image);
  if (api_->Recognize(nullptr) != 0) return line;
  std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
  if (!it) return line;
  float confidence_sum = 0;
  do {
    std::unique_ptr<char[]> symbol(it->GetUTF8Text(tesseract::RIL_SYMBOL));
    if (!symbol) continue;
    std::string text = symbol.get();
    if (text.empty() || is_ascii_space(text)) continue;
    Glyph glyph;
    glyph.text = std::move(text);
    int left = 0, top = 0, right = 0, bottom = 0;
    it->BoundingBox(tesseract::RIL_SYMBOL, &left, &top, &right, &bottom);
    glyph.box = {left - margin, top - margin, right - left, bottom - top};
    glyph.confidence = it->Confidence(tesseract::RIL_SYMBOL);
    // Latin words keep their spaces (a space between an English word and a code matters);
    // Chinese characters never need one.
    if (it->IsAtBeginningOf(tesseract::RIL_WORD) && !line.glyphs.empty() &&
        static_cast<unsigned char>(glyph.text[0]) < 0x80 &&
        static_cast<unsigned char>(line.glyphs.back().text[0]) < 0x80)
      line.text += ' ';
    line.text += glyph.text;
    confidence_sum += glyph.confidence;
    line.glyphs.push_back(std::move(glyph));
  } while (it->Next(tesseract::RIL_SYMBOL));
  if (!line.glyphs.empty()) line.confidence = confidence_sum / static_cast<float>(line.glyphs.size());
  return line;
}

}  // namespace keydesk::ocr::internal
