// Image bytes to a colour page: colour JPEGs by libjpeg straight into Leptonica's pixel layout
// (shrunk in the DCT where they can be), everything else by Leptonica; and the page scaled to the
// working size.
#include "ocr/internal/page.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <csetjmp>
#include <cstdio>  // before jpeglib.h, which needs FILE

#include <jpeglib.h>

#include "ocr/internal/pix_util.h"

namespace keydesk::ocr::internal {
namespace {

struct JpegFailure {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

[[noreturn]] void jpeg_failed(j_common_ptr info) {
  std::longjmp(reinterpret_cast<JpegFailure*>(info->err)->jump, 1);
}

// libjpeg's warnings (a truncated or damaged stream) end the decoding too: such files take
// Leptonica's reader, which says what is wrong with them.
void jpeg_warned(j_common_ptr info, int level) {
  if (level < 0) jpeg_failed(info);
}

// Decodes a colour JPEG straight into a 32 bpp Pix (Leptonica's pixel layout is libjpeg's XBGR
// on a little-endian machine): half the time of Leptonica's reader, which decodes to rows of RGB
// bytes and packs each pixel again. nullptr for anything else (grey, CMYK, damaged); the caller
// then takes Leptonica's reader. No C++ object lives across the longjmp.
Pix* decode_colour_jpeg_raw(const l_uint8* data, size_t size, int reduction) {
  if constexpr (std::endian::native != std::endian::little) return nullptr;
  jpeg_decompress_struct info;
  JpegFailure failure;
  Pix* volatile pix = nullptr;
  info.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = jpeg_failed;
  failure.manager.emit_message = jpeg_warned;
  if (setjmp(failure.jump)) {
    jpeg_destroy_decompress(&info);
    Pix* lost = pix;
    pixDestroy(&lost);
    return nullptr;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
  if (jpeg_read_header(&info, TRUE) != JPEG_HEADER_OK || info.num_components != 3 ||
      (info.jpeg_color_space != JCS_YCbCr && info.jpeg_color_space != JCS_RGB)) {
    jpeg_destroy_decompress(&info);
    return nullptr;
  }
  info.out_color_space = JCS_EXT_XBGR;
  info.scale_num = 1;
  info.scale_denom = static_cast<unsigned>(reduction);
  jpeg_start_decompress(&info);
  pix = pixCreate(static_cast<l_int32>(info.output_width), static_cast<l_int32>(info.output_height),
                  32);
  if (!pix) jpeg_failed(reinterpret_cast<j_common_ptr>(&info));
  pixSetSpp(pix, 3);
  l_uint32* rows = pixGetData(pix);
  const l_int32 wpl = pixGetWpl(pix);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row =
        reinterpret_cast<JSAMPROW>(rows + static_cast<ptrdiff_t>(info.output_scanline) * wpl);
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return pix;
}

PixPtr decode_colour_jpeg(const l_uint8* data, size_t size, int reduction) {
  return PixPtr(decode_colour_jpeg_raw(data, size, reduction));
}

}  // namespace

PixPtr decode_rgb(const std::string& bytes, double factor) {
  const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
  PixPtr pix;
  l_int32 format = IFF_UNKNOWN;
  if (findFileFormatBuffer(data, &format) == 0 && format == IFF_JFIF_JPEG) {
    // libjpeg scales by 1/2, 1/4 or 1/8 in the DCT, for a fraction of the decoding work.
    const int reduction = factor <= 0.125 ? 8 : factor <= 0.25 ? 4 : factor <= 0.5 ? 2 : 1;
    pix = decode_colour_jpeg(data, bytes.size(), reduction);
    if (pix) factor *= reduction;
  }
  if (!pix) pix.reset(pixReadMem(data, bytes.size()));
  if (!pix) return nullptr;
  PixPtr rgb(pixConvertTo32(pix.get()));
  if (rgb && std::abs(factor - 1.0) > 0.01) {
    auto f = static_cast<l_float32>(factor);
    // No sharpening (pixScale's default below 0.7): it costs more than the scaling.
    rgb.reset(pixScaleGeneral(rgb.get(), f, f, 0.0f, 0));
  }
  return rgb;
}

PixPtr scale_to_working(Pix* rgb, int long_side, double* scale) {
  int side = std::max(width_of(rgb), height_of(rgb));
  double factor = static_cast<double>(long_side) / std::max(side, 1);
  if (factor > 0.85 && factor < 1.15) factor = 1.0;
  factor = std::clamp(factor, 0.25, 2.5);
  *scale = factor;
  if (factor == 1.0) return PixPtr(pixClone(rgb));
  auto f = static_cast<l_float32>(factor);
  return PixPtr(pixScale(rgb, f, f));
}

}  // namespace keydesk::ocr::internal
