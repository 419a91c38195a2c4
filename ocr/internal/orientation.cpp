// Orientation and deskew: which way the text runs and its small skew, a page turned by quarter
// turns and levelled, and the grey page levelled a piece at a time where rows are read
// (LevelledGrey).
#include "ocr/internal/page.h"

#include <cmath>
#include <numbers>

#include "ocr/internal/pix_util.h"

namespace keydesk::ocr::internal {

int text_axis(Pix* binary, double* skew_degrees) {
  auto measure = [](Pix* pix, double* angle) {
    l_float32 a = 0, conf = 0, score = 0;
    if (pixFindSkewSweepAndSearchScore(pix, &a, &conf, &score, 4, 2, 0.0f, 7.0f, 1.0f, 0.01f) != 0)
      return 0.0;
    *angle = conf >= 2.0f ? a : 0.0;
    return static_cast<double>(score);
  };
  double upright_angle = 0, turned_angle = 0;
  double upright = measure(binary, &upright_angle);
  PixPtr turned(pixRotateOrth(binary, 1));
  double sideways = measure(turned.get(), &turned_angle);
  // Square Chinese characters line up in columns too, so only a clear margin turns the page;
  // the reading step checks the way up with words and turns it when the words say so.
  if (sideways > upright * 2.5) {
    *skew_degrees = turned_angle;
    return 90;
  }
  *skew_degrees = upright_angle;
  return 0;
}

PixPtr rotate_page(Pix* pix, int quarter_turns, double skew_degrees, bool quick) {
  PixPtr turned(quarter_turns % 4 == 0 ? pixClone(pix) : pixRotateOrth(pix, quarter_turns % 4));
  if (std::abs(skew_degrees) < 0.1) return turned;
  auto radians = static_cast<l_float32>(skew_degrees * std::numbers::pi / 180.0);
  // Leptonica's angle is clockwise-positive for the image content; the skew found is the angle
  // of the text, so rotate by it to level the lines.
  return PixPtr(pixRotate(turned.get(), radians, quick ? L_ROTATE_SHEAR : L_ROTATE_AREA_MAP,
                          L_BRING_IN_WHITE, 0, 0));
}

LevelledGrey::LevelledGrey(PixPtr page, double skew_degrees)
    : page_(std::move(page)), skew_degrees_(std::abs(skew_degrees) < 0.1 ? 0.0 : skew_degrees) {}

PixPtr LevelledGrey::cut(const Box& area) const {
  if (!page_ || area.w <= 0 || area.h <= 0) return nullptr;
  if (skew_degrees_ == 0) {
    PixPtr out(pixCreate(area.w, area.h, 8));
    pixSetAll(out.get());
    pixRasterop(out.get(), 0, 0, area.w, area.h, PIX_SRC, page_.get(), area.x, area.y);
    return out;
  }
  // Leptonica's turn by `angle` about (w/2, h/2) takes output pixel q from the source at
  // c + M (q - c), M = [cos sin; -sin cos]. The area's middle comes from `from` on the page; a
  // piece of the page around `from`, large enough to hold the area at any skew, turned about
  // its own middle, has the area in its middle.
  const double angle = skew_degrees_ * std::numbers::pi / 180.0;
  const double cos_a = std::cos(angle), sin_a = std::sin(angle);
  const int cx = width_of(page_.get()) / 2, cy = height_of(page_.get()) / 2;
  const int qx = area.x + area.w / 2 - cx, qy = area.y + area.h / 2 - cy;
  const int from_x = cx + static_cast<int>(std::lround(qx * cos_a + qy * sin_a));
  const int from_y = cy + static_cast<int>(std::lround(-qx * sin_a + qy * cos_a));
  const int piece_w = static_cast<int>(std::ceil(area.w * cos_a + area.h * std::abs(sin_a))) + 4;
  const int piece_h = static_cast<int>(std::ceil(area.w * std::abs(sin_a) + area.h * cos_a)) + 4;
  PixPtr piece(pixCreate(piece_w, piece_h, 8));
  pixSetAll(piece.get());
  pixRasterop(piece.get(), 0, 0, piece_w, piece_h, PIX_SRC, page_.get(), from_x - piece_w / 2,
              from_y - piece_h / 2);
  PixPtr turned(pixRotate(piece.get(), static_cast<l_float32>(angle), L_ROTATE_AREA_MAP,
                          L_BRING_IN_WHITE, 0, 0));
  if (!turned) return nullptr;
  BOX* inner = boxCreate(piece_w / 2 - area.w / 2, piece_h / 2 - area.h / 2, area.w, area.h);
  PixPtr out(pixClipRectangle(turned.get(), inner, nullptr));
  boxDestroy(&inner);
  return out;
}

PixPtr LevelledGrey::whole() const {
  return page_ ? rotate_page(page_.get(), 0, skew_degrees_) : nullptr;
}

LevelledGrey LevelledGrey::turned(int quarter_turns) const {
  return LevelledGrey(rotate_page(page_.get(), quarter_turns, 0), skew_degrees_);
}

}  // namespace keydesk::ocr::internal
