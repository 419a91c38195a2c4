// RAII for Leptonica objects. Never included by a public header (STYLE.md: library handles stay
// inside their library).
#pragma once

#include <leptonica/allheaders.h>

#include <memory>

namespace keydesk::ocr::internal {

struct PixDeleter {
  void operator()(Pix* pix) const { pixDestroy(&pix); }
};
struct BoxaDeleter {
  void operator()(Boxa* boxa) const { boxaDestroy(&boxa); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;
using BoxaPtr = std::unique_ptr<Boxa, BoxaDeleter>;

// The red, green and blue bytes of a 32 bpp Leptonica pixel.
struct Rgb {
  int r, g, b;
};
inline Rgb rgb_of(l_uint32 pixel) {
  return {static_cast<int>((pixel >> L_RED_SHIFT) & 0xff),
          static_cast<int>((pixel >> L_GREEN_SHIFT) & 0xff),
          static_cast<int>((pixel >> L_BLUE_SHIFT) & 0xff)};
}

}  // namespace keydesk::ocr::internal
