// Barcode symbols as module patterns, drawn by the page layout: QR (libqrencode) for cover
// sheets, Code128 (zint) for courier manifests.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace keydesk::docs::internal {

// A square QR symbol, error correction level M, without its quiet zone.
struct QrSymbol {
  int size = 0;            // modules per side
  std::vector<bool> dark;  // size * size, row-major, top row first
  bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * size + x)]; }
};
std::optional<QrSymbol> encode_qr(const std::string& text);

// A Code128 symbol (code sets chosen by zint, checksum included), without quiet zones: one entry
// per module, true for a bar.
std::optional<std::vector<bool>> encode_code128(const std::string& text);

}  // namespace keydesk::docs::internal
