// ScanAnalyzer::Impl, the state behind a ScanAnalyzer (ocr/scan.h): its two Tesseract engines,
// the document types and their vocabulary, the page being read, and the steps analyse()
// (ocr/scan.cpp) takes, each defined in the file of its concern under ocr/internal/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocr/internal/glyphs.h"
#include "ocr/internal/leptonica.h"
#include "ocr/internal/page.h"
#include "ocr/internal/recognizer.h"
#include "ocr/internal/rows.h"
#include "ocr/scan.h"

namespace keydesk::ocr {

struct ScanAnalyzer::Impl {
  std::vector<DocumentType> types;
  ScanOptions options;
  std::unique_ptr<internal::Recognizer> text;     // chi_sim
  std::unique_ptr<internal::Recognizer> code;     // eng, letters and digits only
  std::set<std::uint64_t> vocabulary;             // pair_key of adjacent characters of the words
  std::unique_ptr<internal::GlyphShapes> shapes;  // for confirm_values

  struct Page {
    internal::LevelledGrey grey;
    internal::LevelledGrey redness;  // RedAndGrey::redness, levelled and turned as the page
    internal::PixPtr mask, binary, rules;
    int rotation = 0;
    double skew = 0, scale = 1;
    int source_width = 0, source_height = 0;
  };

  // --- normalise.cpp: the scan made a page to read -----------------------------------------------
  // Decodes and normalises; nullopt when the bytes are not an image Leptonica can decode.
  std::optional<Page> normalise(const std::string& bytes) const;
  // `page` turned a further `quarter` turns clockwise.
  static Page turned(const Page& page, int quarter);

  // --- rows.cpp: reading rows --------------------------------------------------------------------
  // Rows searched for labels and titles are read narrowed to this share of their width: the
  // recognizer's cost grows with the width it is given, and printed labels survive the squeeze.
  // A row holding a value looked for is read again at full width (values decide findings).
  static constexpr float kSkim = 0.8f;
  // A row whose print slopes (internal::turned_level) is read turned level as well, and that
  // reading kept when its mean confidence is more than kSurer above the row's as it is
  // (read_line).
  static constexpr double kSurer = 1.0;

  // Reads `area` of `page` with `recognizer`, its width scaled by `squeeze`; glyph boxes come
  // back on the page. With `own`, the row's box, the lines above and below are cleared from it.
  // A row whose print slopes is read turned level too (kSurer).
  static internal::LineRead read_line(internal::Recognizer& recognizer, const Page& page,
                                      const Box& area, float squeeze = 1.0f,
                                      const Box* own = nullptr);
  static internal::LineRead recognise(internal::Recognizer& recognizer,
                                      const internal::LineImage& line);
  // Reads the row at `b`, with a margin so that strokes the row finder cut off are not lost.
  internal::ReadRow read_row(const Page& page, const Box& b, bool skim);

  // Titles first (the tallest rows), then top to bottom: the order that finds the type and the
  // fields soonest.
  static std::vector<internal::TextRow> reading_order(std::vector<internal::TextRow> rows);
  // Rows of print the binary page lost for being pale (internal::pale_print), in reading order,
  // each mostly clear of the rows of `known` or holding more ink than they had; their ink goes
  // into `page`'s binary page, so that they are cut and read as any row is. None when the page
  // has no such print.
  static std::vector<internal::TextRow> pale_rows(Page& page,
                                                  const std::vector<internal::TextRow>& known);

  void debug_images(const std::string& dir, const Page& page,
                    const std::vector<internal::TextRow>& rows) const;

  // --- classify.cpp: the document vocabulary and the type ----------------------------------------
  // How many characters of the document vocabulary (the title words and labels of
  // rules/documents.yaml) `rows` hold. Tesseract's own confidence is no guide to orientation (it
  // reads upside-down Chinese as confident junk); known words are.
  int vocabulary_score(const std::vector<internal::ReadRow>& rows) const;
  void add_vocabulary(const std::string& word);
  static std::uint64_t pair_key(char32_t a, char32_t b);

  void classify(const std::vector<internal::ReadRow>& rows, int page_height,
                ScanResult& result) const;

  const DocumentType* type_named(std::string_view id) const;

  // --- fields.cpp: codes anywhere, names after their labels --------------------------------------
  // Runs of code characters (USCC, ID numbers) in every row, and values after the labels.
  // The runs of 15 to 21 letters and digits in `row`: USCCs and ID numbers as read.
  // Two runs parted by one stray mark (91110105MATK&8X7498) are also given joined: the checksum
  // says whether the mark was a slip.
  static std::vector<FieldRead> code_runs(const internal::ReadRow& row);
  // A code the Chinese model read in `row` that fails its checksum, where the Latin model
  // (latin_read) reads one that passes: the row carries the Latin model's reading in its place,
  // so that the scan's text is the code as best read (91330203NABYDX5J72 in a licence's row,
  // 91330203MABYD2J725 by the Latin model). The first reading goes to `first_readings`, a
  // witness for engine/verify.cpp as every code read.
  void carry_latin_codes(internal::ReadRow& row, std::vector<FieldRead>& first_readings);
  // Codes a line end cut in two: in running text (…身份证号码为370202197906 / 232799，…) or in
  // a table cell too narrow for them (91420106MA3CBC / QCXH). The run that ends `rows[r]`,
  // joined to a run on a line just below it that starts under the run's start (a cell) or
  // begins that line (a paragraph); given when together they pass a checksum (a cut that happens
  // to pass is one chance in eleven at most; the date inside an ID number and the USCC's own
  // check narrow it further). The rows are in reading order, not on the page's: any row may be
  // the line below. A short line under a cell's run that the Chinese model read as words
  // (QCXH as 让了R) is read again by the Latin one; so is the ink right under a run that holds
  // the start of a code the form gives (`hints`), when nothing below completes it.
  std::vector<FieldRead> wrapped_codes(const std::vector<internal::ReadRow>& rows, size_t r,
                                       const ScanHints* hints);

  // The Latin model's reading (letters and digits only) of the code at `box`: once per place and
  // scan, whether it was asked for by a code-shaped row or by a code the Chinese model misread.
  internal::LineRead latin_read(const Box& box);
  // The code at `box` as a hand writes it (each character up or down, the line uphill), its
  // characters set on one foot (internal::levelled_line_image) and read by both models at two
  // sizes: a reading within the slips engine/verify.cpp allows the form's code (its USCC or ID
  // number), else the readings taken together when, but for those slips, each of the form's
  // characters is read in its place by one of them. Only the form's: a hand's code the checksum
  // passes by chance is not made another code. Once per place and scan.
  std::optional<internal::LineRead> levelled_code(const Box& box, const ScanHints& hints);
  // The same for a character grid (TextRow::grid), its cells set side by side first. Its
  // characters stand a cell apart, so the spaces the model puts between them are dropped.
  internal::LineRead grid_read(const internal::TextRow& row);
  // The same cells read by the Chinese model: a serif face's 9, 1 and 0 the Latin model takes for
  // Q, I and O (91310115… read QI3Z3IOLIS…), the Chinese model reads as they are. Not kept among
  // the Latin reads.
  internal::LineRead grid_read_chinese(const internal::TextRow& row);

  // A code the Chinese model read that fails its checksum, read again by the Latin model: both
  // readings go to the checksum, which decides.
  // And, when neither passes nor holds the form's code (`hints`), the place set straight as a
  // hand's code (levelled_code), taken when it reads as the form's.
  std::optional<FieldRead> reread_code(const FieldRead& field, const ScanHints* hints);

  // `text` holds a USCC or an ID number that passes its checksum.
  // A USCC two readings of the page's codes, neither valid, make together (codes.h
  // uscc_from_two_readings), when they make one and no other pair another: a field of its own.
  void joined_readings(const std::vector<internal::ReadRow>& rows, ScanResult& result);
  static bool checks_as_code(const std::string& text);
  // Whether `text` holds the form's USCC or ID number (hints), or it with one character other
  // (the slip engine/verify.cpp takes as the form's code without a look), its letters and digits
  // compared, the letters a code never holds folded to their digits. A grid's code read
  // 91320506MANFKIOHIB for 91320506MAMFK10H1B was dropped for the row's Chinese reading, junk,
  // and the code went unread. One a character short is not taken: the Latin model drops an ID
  // number's X, which the Chinese model's reading of the row keeps.
  static bool holds_hint(const std::string& text, const ScanHints& hints);
  // Whether `run` holds the first eight characters of the form's USCC or ID number, one aside:
  // the head of a code wrapped in its cell.
  static bool starts_like_hint(std::u32string_view run, const ScanHints& hints);

  // A code cut short where its print turns faint or the row finder parted it (the row kept
  // 913101046264 of 913101046264993689 on a pale copy, DO2MAIR 9TC33J of 913702 02MATR
  // 9TC33J): a run of 6–17 code characters ending or beginning a row is read again by the Latin
  // model over a box widened by the characters it lacks, while the form's USCC or ID number
  // (hints) is not yet on the page; a code still missing then, the band right of its label on
  // `type` (optional) is read so too (a row the row finder spoiled, joining the code to marks
  // below it). Both are read from the grey as it is. What is kept is only the stretch of that
  // reading within one character of the form's code, as the checks take a code: another's code
  // is never made here.
  std::vector<FieldRead> widened_codes(const std::vector<internal::ReadRow>& rows,
                                       const std::vector<FieldRead>& fields, const ScanHints& hints,
                                       int page_width, const DocumentType* type);

  // The company's name in a cell the binary page lost, whole or in part (pale grey print on a
  // copy: 上海金桥…有限公司 right of 经营者中文名称, whose row the row finder never saw): when no
  // row holds the form's name and a label of it on `type` has nothing after it on its row, the
  // band right of the label read from the grey as it is. Taken only when that reading
  // holds the form's name to the slips engine/verify.cpp allows a company's name (one in ten),
  // as read or after its glyph check (confirm_values, recorded in `result`): what else the grey
  // holds there is the checks' to see on the rows read.
  std::optional<internal::ReadRow> lost_name_cell(const std::vector<internal::ReadRow>& rows,
                                                  const DocumentType& type, const ScanHints& hints,
                                                  ScanResult& result);

  // `hints` (optional): the form's values, for widened_codes.
  void extract_fields(const std::vector<internal::ReadRow>& rows, const DocumentType* type,
                      const ScanHints* hints, ScanResult& result);

  // --- signatures.cpp: signature labels and the handwriting after them ---------------------------
  // A mark taller than the print of row `i` starts just right of it, on its line: a signature
  // beside its label, likely.
  static bool mark_right_of(const std::vector<internal::TextRow>& rows, size_t i);

  // `unread`: the page's rows not read, read here when one may be the next label on a
  // signature's line.
  void find_signatures(const std::vector<internal::ReadRow>& rows, const std::vector<Box>& unread,
                       const DocumentType& type, ScanResult& result);

  // --- ticks.cpp: the tick list of a form
  // --------------------------------------------------------- The items of `type`'s tick list on
  // the row holding most of them (and the rows beside it on its line), each with what the box
  // before it was read as: empty, ticked or neither.
  void find_ticks(const std::vector<internal::ReadRow>& rows, const DocumentType& type,
                  ScanResult& result);
  // Where each tick box of a list stands, found from the print's gaps (see ticks.cpp), `h` the
  // list's print height; none when the print does not part into one piece per item.
  std::vector<Box> boxes_by_print(const std::vector<Box>& item_starts, int h) const;
  // The list's boxes read as neither empty nor marked, settled by their ink against the others
  // (ticks.cpp): `item_starts` are the first glyphs of the marks' items, result.ticks from
  // `first_mark` on.
  void settle_by_ink(const std::vector<Box>& item_starts, size_t first_mark,
                     ScanResult& result) const;

  // --- confirm.cpp: a name read a character or two off the form's, looked at again
  // ---------------- Where `row` holds a hinted name (the company's or the person's) but for a few
  // characters (one in a name of up to five, two in a longer one), each such character's ink is
  // compared with the form's character and the one read, both drawn (GlyphShapes). When the form's
  // is clearly the likelier for every one, the row reads as the form's name. Each look goes into
  // result.glyph_checks, taken or not.
  void confirm_values(internal::ReadRow& row, const ScanHints& hints, ScanResult& result);
  // The look for one field: `want` (the form's `hint`, normalised) in `row`. `may_reread`: a
  // name the ink did not settle may be read again alone (false for a reading alone itself).
  void confirm_value(internal::ReadRow& row, const std::u32string& want, const char* field,
                     const std::string& hint, bool is_code, bool may_reread, ScanResult& result);
  // A name `row` holds with characters missing, or a few too many or other (a pale name's end
  // the row finder cut off, a mark read into it), and no place that reads like it character for
  // character: its place read again alone from the grey, widened by the characters missing and
  // one more at each end, and taken (the row reading the form's name there, `hint` as written)
  // when that reading holds the form's name whole, or when the reading as it is does once its
  // characters off the form's are looked at by their ink (confirm_value). A row shorter than a
  // company's name comes here too. The looks go into result.glyph_checks.
  void reread_cut_name(internal::ReadRow& row, const std::u32string& want, const char* field,
                       const std::string& hint, ScanResult& result);
  // `around` (a name's place) read alone from the grey as it is and, when that reading does not
  // hold `want` whole, once more half as large again, and then set straight as a hand's line
  // (internal::levelled_line_image). The reading that holds `want` whole, else the one half as
  // large again; *holds: whether it holds `want` whole.
  // `first`, when given: the first reading (as it is), its glyphs' boxes on the page.
  std::string read_name_alone(const Box& around, const std::u32string& want, bool* holds,
                              internal::LineRead* first = nullptr);

  // --- seal_name.cpp: the text along a red seal's arc
  // --------------------------------------------- Reads `seal`'s text (internal::unroll_seal_text,
  // then the Chinese model) and, when `company_name` is given, compares it with that name
  // (SealNameCheck). `debug_png`: where to write the unrolled line ("" for nowhere).
  void read_seal(const Page& page, const std::string& company_name, const std::string& debug_png,
                 SealMark& seal);

  // --- wanted.h: what reading still looks for ----------------------------------------------------
  struct Wanted;

  const Page* current_ = nullptr;                                // the page analyse() is reading
  std::vector<std::pair<Box, internal::LineRead>> latin_reads_;  // latin_read's, this page
  std::vector<std::pair<Box, std::optional<internal::LineRead>>>
      levelled_reads_;  // levelled_code's
};

}  // namespace keydesk::ocr
