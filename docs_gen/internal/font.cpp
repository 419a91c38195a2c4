#include "docs_gen/internal/font.h"

#include <hb-subset.h>
#include <hb.h>

#include "docs_gen/internal/ttf_cmap.h"

namespace keydesk::docs::internal {

struct FontFace::Handles {
  hb_blob_t* blob = nullptr;
  hb_face_t* face = nullptr;
  hb_font_t* font = nullptr;
  ~Handles() {
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
  }
};

Result<std::shared_ptr<const FontFace>> FontFace::open(const std::string& path, int index) {
  std::shared_ptr<FontFace> f(new FontFace);
  f->path_ = path;
  f->hb_ = std::make_unique<Handles>();
  f->hb_->blob = hb_blob_create_from_file_or_fail(path.c_str());
  if (!f->hb_->blob)
    return error_of(ErrorKind::io,
                    "cannot read the font " + path +
                        ": install fonts-wqy-zenhei or give another TrueType font with --font "
                        "or KEYDESK_FONT");
  unsigned faces = hb_face_count(f->hb_->blob);
  if (index < 0 || static_cast<unsigned>(index) >= faces)
    return error_of(ErrorKind::io, "the font " + path + " has " + std::to_string(faces) +
                                       " face(s); there is no face " + std::to_string(index));
  f->hb_->face = hb_face_create(f->hb_->blob, static_cast<unsigned>(index));
  hb_blob_t* glyf = hb_face_reference_table(f->hb_->face, HB_TAG('g', 'l', 'y', 'f'));
  unsigned glyf_size = hb_blob_get_length(glyf);
  hb_blob_destroy(glyf);
  if (glyf_size == 0)
    return error_of(ErrorKind::io,
                    "the font " + path +
                        " has no TrueType outlines (glyf): libharu embeds only TrueType, not "
                        "CFF/OpenType-PS fonts such as Noto Sans CJK; use wqy-zenhei");
  f->hb_->font = hb_font_create(f->hb_->face);
  f->units_per_em_ = hb_face_get_upem(f->hb_->face);
  char name[256];
  unsigned size = sizeof name;
  hb_ot_name_get_utf8(f->hb_->face, HB_OT_NAME_ID_FONT_FAMILY, hb_language_from_string("en", -1),
                      &size, name);
  f->family_ = size > 0 ? std::string(name, size) : path;
  return std::shared_ptr<const FontFace>(std::move(f));
}

FontFace::~FontFace() = default;

bool FontFace::has(char32_t cp) const {
  hb_codepoint_t glyph = 0;
  return hb_font_get_nominal_glyph(hb_->font, cp, &glyph) && glyph != 0;
}

double FontFace::advance(char32_t cp) const {
  if (auto it = advances_.find(cp); it != advances_.end()) return it->second;
  hb_codepoint_t glyph = 0;
  double w = 0;
  if (hb_font_get_nominal_glyph(hb_->font, cp, &glyph))
    w = hb_font_get_glyph_h_advance(hb_->font, glyph) * 1000.0 / units_per_em_;
  advances_.emplace(cp, w);
  return w;
}

std::string FontFace::subset(const std::u32string& code_points) const {
  hb_subset_input_t* input = hb_subset_input_create_or_fail();
  if (!input) return {};
  hb_set_t* unicodes = hb_subset_input_unicode_set(input);
  for (char32_t cp : code_points) hb_set_add(unicodes, cp);
  hb_subset_input_set_flags(input, HB_SUBSET_FLAGS_NO_HINTING);
  hb_face_t* sub = hb_subset_or_fail(hb_->face, input);
  hb_subset_input_destroy(input);
  if (!sub) return {};
  hb_blob_t* blob = hb_face_reference_blob(sub);
  unsigned length = 0;
  const char* data = hb_blob_get_data(blob, &length);
  std::string bytes(data, length);
  hb_blob_destroy(blob);
  // Each character's glyph in the subset, for a cmap that libharu searches quickly.
  std::vector<std::pair<char32_t, std::uint16_t>> glyphs;
  hb_font_t* sub_font = hb_font_create(sub);
  for (char32_t cp : code_points) {
    hb_codepoint_t glyph = 0;
    if (hb_font_get_nominal_glyph(sub_font, cp, &glyph))
      glyphs.emplace_back(cp, static_cast<std::uint16_t>(glyph));
  }
  hb_font_destroy(sub_font);
  hb_face_destroy(sub);
  if (auto compact = with_compact_cmap(bytes, std::move(glyphs))) return std::move(*compact);
  return bytes;
}

}  // namespace keydesk::docs::internal
