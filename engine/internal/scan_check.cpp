#include "engine/internal/scan_check.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/internal/sha256.h"
#include "engine/material_file.h"

namespace keydesk::internal {

namespace fs = std::filesystem;

namespace {

// Bump when the analysis changes in a way that makes stored results stale.
constexpr const char* kPipelineVersion =
    "scan-66";  // 66: a red seal's ring fitted as an ellipse at any tilt (a squeezed press
                // pressed askew), its name and print unrolled along it;
                // 65: a seal is the company's only if its reading finds the name's brand;
                // 64: a sloped row's other reading no longer a witness for the form's values,
                // and a name read again alone no longer turned (scan-63's, dropped);
                // 63: a row whose print slopes (a hand's value, a card copied askew) read turned
                // level too, the surer reading kept;
                // 62: a red seal's name band kept as its print (ocr::SealPrint), to tell whether
                // the submission's seals are one stamp;
                // 61: the two readings' letters a USCC never holds folded first (O and 0 are
                // one character, not two places they differ), and a reading a repair alone
                // makes valid taken too;
                // 60: a USCC two readings that pass no check make together, either's
                // characters where they differ (ocr/codes.h uscc_from_two_readings);
                // 59: a seal whose reading holds a word of another trade or place whole (实业
                // on …供应链管理有限公司's papers) is another company's (seal.name_mismatch);
                // 58: a tick list skimmed clean (each item as printed, a box before each) not
                // read again at full width; a page whose first two rows gave no known pair
                // tried the other ways before its third row;
                // 57: a code a line end parted in running text seen on its next line (the row
                // after it no longer read to give its label up);
                // 56: a value's label spent with its longer forms (名称 read, 企业名称 no longer
                // looked for to the page's last row);
                // 55: a comma taken for a signature label's bracket only where the row ends
                // within the label's rest (not 授权用户，代表我单位… in a letter's body);
                // 54: a label's print parted from a brush hand beside it whose first stroke
                // stands higher than the print (签字：邓丹莉 read as one row, 2邓只委); a
                // signature label's box no wider than its characters, its stem before a
                // comma (a （ read so) found;
                // 53: a code still looked for read in the band under its label (a licence's
                // pale code under 统一社会信用代码);
                // 52: a row read without the marks of the lines above and below that reach
                // into it; a character grid's cells set on paper round their band of ink;
                // 51: a page's way up tried after two of its rows read as nothing (six
                // before), the text axis's turn undone before the page is tried upside down;
                // 50: a row shorter than a company's name read again alone, that reading's
                // characters looked at by their ink; a person's name each character of which
                // the row or the reading alone has as the form's taken;
                // 49: a seal read as the name but for its brand, the brand read surely and
                // alike twice, goes to a person (seal.name_doubtful);
                // 48: a seal's characters stood upright (as wide at the top as at the foot)
                // before they are read and drawn;
                // 47: a picture's edge between two pieces of print on one line parts them
                // (two ID card sides side by side);
                // 46: a code the Chinese model misread and the Latin model read whole
                // carried in its row's text; a round bracket read as an angle one mended;
                // 45: a code or a company's name written by hand set straight (each character
                // on one line) and read again, a code's readings taken together; 《 》 read as
                // a name's brackets;
                // 44: with values still looked for after every row, the page's pale print
                // (dark print nowhere near it) laid out again deepened and its rows read; a
                // frame's hatched band down the page's side taken out of the text;
                // 43: a seal's ink weighed against the paper about it (a photocopy's grey),
                // as the share of the paper's light it takes away, paper from 240 white;
                // another company's seal two characters by 0.2 standing together, else
                // doubtful;
                // 42: the band right of a name's label as a code's (2 pixels wider);
                // 41: two tick boxes read as marked settled by their ink; a four-character
                // tick item found with two characters misread; the company's name read from
                // the grey right of its label when no row holds it; a company's name two
                // readings have between them, but for a slip in ten, taken;
                // 40: a seal's red weighed by the strongest margin about each pixel; the
                // ring's edge painted out of the unrolled line; a seal's characters cut where
                // the line parts into them, not about Tesseract's boxes;
                // 39: a code the skimmed reading of a row held is kept beside its reading
                // again; a wrapped code's first line joined across a mark a glyph was read
                // with; a code wrapped in a cell of a merged row run on its first line;
                // 38: a name read again alone is read once more half as large again; a code
                // wrapped in its cell joined from the Latin reading of its first line; two
                // code runs one mark apart joined while the first is under 18; the form's code
                // taken out of a longer run;
                // 37: print under a red seal is kept on the grey page (its red channel);
                // 36: a seal not settled as the company's is read again half as large again;
                // 35: a code run read one character off the form's code is kept as a code;
                // 34: a page printed pale all over is deepened before it is binarised;
                // 33: a name held cut short or mangled is read again alone, widened;
                // 32: a form's code still missing is read in the band right of its label;
                // 31: a name the glyph check did not settle is read again alone, from the
                // grey, and taken when that reading holds the form's name whole;
                // 30: a code cut short where its print turns faint is read again over the
                // widened box's grey as it is (the binary page lost the pale print);
                // 29: a signature label's bracket read as “, 《 or 〈 counts as the bracket
                // after its stem (a seal's edge over 签字 of 授权用户（签字）);
                // 28: a signature label parted from the hand joined to its row is read over the
                // head's whole reach as well as over the print's band (盖's top stroke cut off);
                // 27: a tick list's boxes found where its print parts into one piece per item
                // (the recognizer's glyphs drift), a box's ink measured over the box itself and
                // its ink's reach (a √ over a tiny box); a type's body_codes (an ID card copy's
                // ID number and period of validity) count as its body words;
                // 26: a code's label read off its own glyphs, not its row's (the value cell's
                // wrapped first line found beside it), a cell's second line run into the row
                // beside it read under the first, strays before a wrapped code left off;
                // 25: a seal whose name has one character clearly another's is doubtful (the
                // clerk looks: seal.name_doubtful), each difference says whether it is clear;
                // 24: print inside a frame the smear joined it to (an ID card's edge on a dark
                // copy) found as rows, parted along blank bands where the frame's remains still
                // chain it; a character grid the Latin model misreads read by the Chinese one;
                // 23: a wrapped value's first line read though it stands above its label's
                // middle, a glyph doubled in a code undone where the checksum agrees, a code cut
                // short where its print turns faint read again wider, a signature's label looked
                // for on the line of the lowest row that held something;
                // 22: signature labels read again with their print parted from a hand the row
                // finder joined them to, the label's wording and colon past what was read and
                // its band its print's, a seal label without its colon ends the signature's
                // place; a row of fifteen digits tells the way up; a seal's ring broken wide
                // gathered again; a seal character read as one of the name's own is no other
                // company's; tick boxes read as neither settled by their ink;
                // 21: a red seal's name read along its arc and compared with the company's;
                // 20: a label's print parted from the tall hand right after it, a line read as
                // nothing read again on a margin of paper, spread labels (名”称) found, a
                // label's words inside a sentence no label;
                // 19: a code's digits drawn in Latin faces too, its Latin reading looked at
                // again, the form's own code taken though it fails its checksum;
                // 18: shorter table walls found, a wrapped code's tail read by the Latin model,
                // codes looked at up to four off;
                // 17: faint print kept (Sauvola k 0.2), glyph checks beat GB 2312 rivals;
                // 16: broken vertical rules found;
                // 15: names read a character off the form's looked at again (GlyphCheck);
                // 14: tick items located with a slip; 13: tick lists; 12: codes wrapped across
                // lines or cells

std::optional<std::string> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

}  // namespace

std::string pipeline_version(const fs::path& rules_dir) {
  return std::string(kPipelineVersion) + ":" +
         sha256_hex(read_bytes(rules_dir / "documents.yaml").value_or(""));
}

std::string scan_key(const std::string& sha256, const std::string& material,
                     const std::string& version, const ocr::ScanHints& hints) {
  return sha256 + "|" + material + "|" + version + "|" +
         sha256_hex(hints.uscc + "\n" + hints.company_name + "\n" + hints.person_name + "\n" +
                    hints.id_number + "\n" + hints.seal_name)
             .substr(0, 16);
}

void read_first_where(ocr::ScanHints& hints, const ocr::ScanResult& teacher) {
  hints.places.insert(hints.places.end(), teacher.places.begin(), teacher.places.end());
}

ScanOutcome analyse_and_keep(ocr::ScanAnalyzer& analyzer, const ScanJob& job,
                             const std::string& key, ScanStore& store, std::mutex* store_mutex) {
  ScanOutcome out;
  auto bytes = read_regular_file(job.path, kMaxMaterialBytes);
  if (!bytes) {
    out.result.problem = "the file could not be read again";
    out.of_content = false;
  } else if (sha256_hex(*bytes) != job.sha256) {
    out.result.problem = "the file changed after the batch had read it (its SHA-256 differs)";
    out.of_content = false;
  } else {
    // The per-stage timings KEYDESK_SCAN_DEBUG asks of the analyser, headed by the file.
    if (std::getenv("KEYDESK_SCAN_DEBUG")) std::fprintf(stderr, "scan %s\n", job.path.c_str());
    out.result = analyzer.analyse(*bytes, job.material, job.hints);
  }
  if (!out.of_content) return out;
  std::optional<std::lock_guard<std::mutex>> lock;
  if (store_mutex) lock.emplace(*store_mutex);
  out.kept = store.put(key, job.sha256, job.material, out.result);
  return out;
}

}  // namespace keydesk::internal
