// The PDF writer: libharu behind an RAII handle; its errors are collected, not thrown (the error
// handler is called from C code, which must not be unwound through).
#include <hpdf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "docs_gen/internal/drawing.h"
#include "docs_gen/internal/font.h"
#include "common/utf8.h"

namespace keydesk::docs::internal {

namespace {

struct HaruError {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void on_haru_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) {
  auto* e = static_cast<HaruError*>(user);
  if (e->code == HPDF_OK) *e = {code, detail};
}

struct Doc {
  HaruError error;
  HPDF_Doc pdf = nullptr;
  Doc() : pdf(HPDF_New(on_haru_error, &error)) {}
  ~Doc() {
    if (pdf) HPDF_Free(pdf);
  }
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  std::string message(const std::string& what) const {
    char buf[96];
    std::snprintf(buf, sizeof buf, " (libharu error 0x%04X, detail %u)",
                  static_cast<unsigned>(error.code), static_cast<unsigned>(error.detail));
    return what + buf;
  }
};

// An anonymous in-memory file holding `bytes`, reachable by path while it is open: libharu
// 2.3 loads TrueType fonts only from a file, and the subset need never touch the disk.
struct MemoryFile {
  int fd = -1;
  explicit MemoryFile(const std::string& bytes) {
    fd = memfd_create("keydesk-font-subset", MFD_CLOEXEC);
    if (fd < 0) return;
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        ::close(fd);
        fd = -1;
        return;
      }
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() {
    if (fd >= 0) ::close(fd);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
};

// Every character drawn, each checked against the face.
Result<std::u32string> characters_of(const Drawing& drawing, const FontFace& face) {
  std::set<char32_t> seen{U' '};
  for (const auto& page : drawing.pages) {
    for (const auto& t : page.texts) {
      auto cps = decode_utf8(t.text);
      if (!cps)
        return error_of(ErrorKind::invalid_input,
                        "the field " + t.field + " is not valid UTF-8: fix the input's encoding");
      for (char32_t cp : *cps) {
        if (seen.count(cp)) continue;
        if (cp < 0x20 || !face.has(cp))
          return error_of(
              ErrorKind::invalid_input,
              "the character '" + (cp < 0x20 ? std::string("?") : encode_utf8(cp)) + "' (" +
                  code_point_name(cp) + ") in the field " + t.field + " is not in the font " +
                  face.family() + " (" + face.path() +
                  "): nothing would be printed in its place; write it with a character the font "
                  "has, or give a font that has it with --font");
        seen.insert(cp);
      }
    }
  }
  return std::u32string(seen.begin(), seen.end());
}

void draw_page(HPDF_Page page, const PageOps& ops, HPDF_Font font) {
  HPDF_Page_SetWidth(page, static_cast<HPDF_REAL>(kPageWidth));
  HPDF_Page_SetHeight(page, static_cast<HPDF_REAL>(kPageHeight));
  auto y = [](double top_down) { return static_cast<HPDF_REAL>(kPageHeight - top_down); };
  auto r = [](double v) { return static_cast<HPDF_REAL>(v); };
  HPDF_Page_SetRGBFill(page, 0, 0, 0);
  HPDF_Page_SetRGBStroke(page, 0, 0, 0);
  for (const auto& l : ops.lines) {
    HPDF_Page_SetLineWidth(page, r(l.width));
    HPDF_Page_MoveTo(page, r(l.x1), y(l.y1));
    HPDF_Page_LineTo(page, r(l.x2), y(l.y2));
    HPDF_Page_Stroke(page);
  }
  for (const auto& b : ops.boxes)
    HPDF_Page_Rectangle(page, r(b.x), y(b.y + b.height), r(b.width), r(b.height));
  if (!ops.boxes.empty()) HPDF_Page_Fill(page);
  // Bold is the regular face filled and then stroked with a thin line (wqy-zenhei has no bold).
  HPDF_Page_SetLineWidth(page, 0.45f);
  HPDF_Page_BeginText(page);
  bool bold = false;
  double size = 0;
  for (const auto& t : ops.texts) {
    if (t.size != size) HPDF_Page_SetFontAndSize(page, font, r(size = t.size));
    if (t.bold != bold)
      HPDF_Page_SetTextRenderingMode(page, (bold = t.bold) ? HPDF_FILL_THEN_STROKE : HPDF_FILL);
    HPDF_Page_TextOut(page, r(t.x), y(t.baseline), t.text.c_str());
  }
  HPDF_Page_EndText(page);
}

}  // namespace

Result<Pdf> write_pdf(const Drawing& drawing, const FontFace& face) {
  auto characters = characters_of(drawing, face);
  if (!characters) return characters.error();
  std::string subset = face.subset(*characters);
  if (subset.empty())
    return error_of(ErrorKind::invalid_input, "HarfBuzz could not subset the font " + face.path());
  MemoryFile file(subset);
  if (file.fd < 0)
    return error_of(ErrorKind::invalid_input, "cannot hold the font subset in memory");

  Doc doc;
  if (!doc.pdf) return error_of(ErrorKind::invalid_input, "libharu could not start a document");
  HPDF_SetCompressionMode(doc.pdf, HPDF_COMP_ALL);
  HPDF_UseUTFEncodings(doc.pdf);
  HPDF_SetInfoAttr(doc.pdf, HPDF_INFO_CREATOR, "keydesk");
  HPDF_SetInfoAttr(doc.pdf, HPDF_INFO_TITLE, drawing.title.c_str());
  const char* name = HPDF_LoadTTFontFromFile(doc.pdf, file.path().c_str(), HPDF_TRUE);
  HPDF_Font font = name ? HPDF_GetFont(doc.pdf, name, "UTF-8") : nullptr;
  if (!font || doc.error.code != HPDF_OK)
    return error_of(ErrorKind::io,
                    doc.message("libharu could not embed the font subset of " + face.path()));
  for (const auto& ops : drawing.pages) draw_page(HPDF_AddPage(doc.pdf), ops, font);
  if (doc.error.code != HPDF_OK)
    return error_of(ErrorKind::io, doc.message("libharu could not draw the document"));
  if (HPDF_SaveToStream(doc.pdf) != HPDF_OK)
    return error_of(ErrorKind::io, doc.message("libharu could not write the document"));
  Pdf out;
  out.pages = static_cast<int>(drawing.pages.size());
  out.bytes.resize(HPDF_GetStreamSize(doc.pdf));
  HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.bytes.size());
  HPDF_ReadFromStream(doc.pdf, reinterpret_cast<HPDF_BYTE*>(out.bytes.data()), &size);
  out.bytes.resize(size);
  return out;
}

}  // namespace keydesk::docs::internal
