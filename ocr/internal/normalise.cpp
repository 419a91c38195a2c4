// A scan made a page to read: decoded, scaled to the working size, its red ink separated from
// the grey page, binarised, its text axis and skew found and the page levelled (the pixel work
// is declared in page.h); the page turned further when its words say so; and the preview of the
// normalised page that reports draw their boxes on.
#include "ocr/internal/analyzer.h"

#include <cmath>
#include <optional>
#include <string>

#include "ocr/internal/stage_clock.h"

namespace keydesk::ocr {

using internal::PixPtr;

std::optional<ScanAnalyzer::Impl::Page> ScanAnalyzer::Impl::normalise(
    const std::string& bytes) const {
  StageClock clock;
  PixPtr rgb = internal::decode_rgb(bytes);
  if (!rgb) return std::nullopt;
  clock.mark(" decode");
  Page page;
  page.source_width = static_cast<int>(pixGetWidth(rgb.get()));
  page.source_height = static_cast<int>(pixGetHeight(rgb.get()));
  PixPtr work = internal::scale_to_working(rgb.get(), options.working_long_side, &page.scale);
  rgb.reset();
  clock.mark(" scale");
  auto [mask, grey, redness] = internal::separate_red(work.get());
  if (!mask) return std::nullopt;
  clock.mark(" red+grey");
  PixPtr binary = internal::binarise(grey.get());
  clock.mark(" binarise");
  int quarter = internal::text_axis(binary.get(), &page.skew) / 90;
  clock.mark(" axis+skew");
  page.rotation = quarter * 90;
  // The binary page and the mask are turned whole (layout and seals look at all of them); the
  // grey page only where rows are read.
  page.binary = internal::rotate_page(binary.get(), quarter, page.skew);
  page.mask = internal::rotate_page(mask.get(), quarter, page.skew);
  page.grey = internal::LevelledGrey(internal::rotate_page(grey.get(), quarter, 0), page.skew);
  page.redness =
      internal::LevelledGrey(internal::rotate_page(redness.get(), quarter, 0), page.skew);
  clock.mark(" rotate+bin");
  return page;
}

ScanAnalyzer::Impl::Page ScanAnalyzer::Impl::turned(const Page& page, int quarter) {
  Page out;
  out.grey = page.grey.turned(quarter);
  out.redness = page.redness.turned(quarter);
  out.mask.reset(pixRotateOrth(page.mask.get(), quarter));
  out.binary.reset(pixRotateOrth(page.binary.get(), quarter));
  out.rotation = (page.rotation + 90 * quarter) % 360;
  out.skew = page.skew;
  out.scale = page.scale;
  out.source_width = page.source_width;
  out.source_height = page.source_height;
  return out;
}

std::string preview_jpeg(const std::string& bytes, const ScanResult& result, int max_width) {
  // Scaled down first, then turned: turning a page costs by its pixels, and the preview has a
  // quarter of the working page's.
  double factor = result.scale;
  if (result.width > max_width) factor *= static_cast<double>(max_width) / result.width;
  PixPtr rgb = internal::decode_rgb(bytes, factor);
  if (!rgb) return {};
  rgb = internal::rotate_page(rgb.get(), result.rotation / 90, 0);
  if (std::abs(result.skew_degrees) >= 0.1)
    rgb = internal::rotate_page(rgb.get(), 0, result.skew_degrees, true);
  l_uint8* data = nullptr;
  size_t size = 0;
  if (pixWriteMemJpeg(&data, &size, rgb.get(), 70, 0) != 0 || !data) return {};
  std::string out(reinterpret_cast<char*>(data), size);
  lept_free(data);
  return out;
}

}  // namespace keydesk::ocr
