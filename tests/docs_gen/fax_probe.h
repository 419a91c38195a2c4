// Reading generated PDFs back as their receivers would: the text (pdftotext), the fonts
// (pdffonts), and the barcodes after a fax machine's rasterisation (Ghostscript tiffg3 at
// 204x196 dpi, then ZXingReader).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

namespace keydesk::test {

// stdout of a shell command (stderr discarded); `status` gets its exit status.
inline std::string capture(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int rc = pclose(pipe);
  if (status) *status = rc;
  return out;
}

inline std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

inline std::string pdf_text(const std::filesystem::path& pdf) {
  // -raw: in drawing order, so a name wrapped inside a table cell stays together
  return capture("pdftotext -raw -enc UTF-8 " + quoted(pdf) + " -");
}

inline std::string pdf_fonts(const std::filesystem::path& pdf) {
  return capture("pdffonts " + quoted(pdf));
}

// Page `page` (1-based) as a fax machine sends it, read by ZXingReader; its report ("Text: …",
// "Format: …"), empty when nothing decodes. The G3 TIFF goes to PNG through Pillow, since
// ZXingReader reads no TIFF.
inline std::string fax_barcodes(const std::filesystem::path& pdf, int page = 1) {
  auto tif = pdf.string() + ".tif", png = pdf.string() + ".png";
  int status = 0;
  capture("gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=tiffg3 -r204x196 -dFirstPage=" +
              std::to_string(page) + " -dLastPage=" + std::to_string(page) + " -sOutputFile='" +
              tif + "' " + quoted(pdf),
          &status);
  if (status != 0) return "ghostscript failed";
  capture(
      "/usr/bin/python3 -c 'import sys; from PIL import Image; "
      "im = Image.open(sys.argv[1]); assert im.info.get(\"compression\") == \"group3\"; "
      "im.save(sys.argv[2])' '" +
          tif + "' '" + png + "'",
      &status);
  if (status != 0) return "the raster is not a G3 fax TIFF";
  return capture("ZXingReader '" + png + "'");
}

}  // namespace keydesk::test
