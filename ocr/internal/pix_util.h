// Small Leptonica helpers the page files share: a Pix's size, a bit of a 1 bpp line, a box of a
// Boxa as a Box, a clip of a Pix, the box of a 1 bpp Pix's ink and of its connected marks.
#pragma once

#include <optional>
#include <vector>

#include "ocr/internal/leptonica.h"
#include "ocr/scan.h"

namespace keydesk::ocr::internal {

inline Box box_at(Boxa* boxa, int i) {
  l_int32 x = 0, y = 0, w = 0, h = 0;
  boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
  return {x, y, w, h};
}

inline bool bit_at(const l_uint32* line, int x) { return GET_DATA_BIT(line, x) != 0; }

inline int width_of(Pix* pix) { return static_cast<int>(pixGetWidth(pix)); }
inline int height_of(Pix* pix) { return static_cast<int>(pixGetHeight(pix)); }

// The part of `pix` inside `box` (cut to the image); null when they do not meet.
inline PixPtr clip_of(Pix* pix, const Box& box) {
  BOX* b = boxCreate(box.x, box.y, box.w, box.h);
  PixPtr clip(pixClipRectangle(pix, b, nullptr));
  boxDestroy(&b);
  return clip;
}

// The box of the ink of `binary` (1 bpp), in its own coordinates; nullopt when it has none.
inline std::optional<Box> ink_extent(Pix* binary) {
  BOX* fg = nullptr;
  if (!binary || pixClipBoxToForeground(binary, nullptr, nullptr, &fg) != 0 || !fg)
    return std::nullopt;
  Box b;
  boxGetGeometry(fg, &b.x, &b.y, &b.w, &b.h);
  boxDestroy(&fg);
  return b;
}

// The boxes of the 8-connected marks of `binary` (1 bpp), shifted by (dx, dy).
inline std::vector<Box> mark_boxes(Pix* binary, int dx = 0, int dy = 0) {
  std::vector<Box> out;
  BoxaPtr boxes(pixConnComp(binary, nullptr, 8));
  if (!boxes) return out;
  for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i) {
    Box b = box_at(boxes.get(), i);
    out.push_back({b.x + dx, b.y + dy, b.w, b.h});
  }
  return out;
}

}  // namespace keydesk::ocr::internal
