// Small Leptonica helpers the page files share: a Pix's size, a bit of a 1 bpp line, a box of a
// Boxa as a Box.
#pragma once

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

}  // namespace keydesk::ocr::internal
