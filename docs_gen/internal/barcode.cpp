#include "docs_gen/internal/barcode.h"

#include <qrencode.h>
#include <zint.h>

#include <cmath>
#include <memory>

namespace keydesk::docs::internal {

std::optional<QrSymbol> encode_qr(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) return std::nullopt;
  QrSymbol symbol;
  symbol.size = code->width;
  symbol.dark.resize(static_cast<std::size_t>(code->width * code->width));
  for (std::size_t i = 0; i < symbol.dark.size(); ++i) symbol.dark[i] = code->data[i] & 1;
  return symbol;
}

std::optional<std::vector<bool>> encode_code128(const std::string& text) {
  std::unique_ptr<zint_symbol, decltype(&ZBarcode_Delete)> symbol(ZBarcode_Create(),
                                                                  &ZBarcode_Delete);
  if (!symbol) return std::nullopt;
  symbol->symbology = BARCODE_CODE128;
  symbol->show_hrt = 0;
  int rc = ZBarcode_Encode_and_Buffer_Vector(symbol.get(),
                                             reinterpret_cast<const unsigned char*>(text.data()),
                                             static_cast<int>(text.size()), 0);
  if (rc >= ZINT_ERROR || !symbol->vector || !symbol->vector->rectangles) return std::nullopt;
  // The bars as rectangles, in zint's units; the first starts and the last ends the symbol,
  // which is symbol->width modules wide.
  float left = 1e9f, right = -1e9f;
  for (auto* r = symbol->vector->rectangles; r; r = r->next) {
    left = std::min(left, r->x);
    right = std::max(right, r->x + r->width);
  }
  const int modules = symbol->width;
  const float unit = (right - left) / static_cast<float>(modules);
  std::vector<bool> bars(static_cast<std::size_t>(modules), false);
  for (auto* r = symbol->vector->rectangles; r; r = r->next) {
    auto from = static_cast<long>(std::lround((r->x - left) / unit));
    auto count = static_cast<long>(std::lround(r->width / unit));
    for (long m = from; m < from + count && m < modules; ++m)
      bars[static_cast<std::size_t>(m)] = true;
  }
  return bars;
}

}  // namespace keydesk::docs::internal
