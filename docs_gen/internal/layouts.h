// The four documents laid out as Drawings (layouts.cpp).
#pragma once

#include "docs_gen/documents.h"
#include "docs_gen/internal/drawing.h"

namespace keydesk::docs::internal {

class FontFace;

Result<Drawing> layout_coversheet(const CoverSheet& sheet, const FontFace& face);
Result<Drawing> layout_manifest(const CourierManifest& manifest, const FontFace& face);
Drawing layout_receipt(const Receipt& receipt, const FontFace& face);
Drawing layout_notice(const ReturnNotice& notice, const FontFace& face);

}  // namespace keydesk::docs::internal
