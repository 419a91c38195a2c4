// Image analysis of one scanned material: normalisation (orientation, deskew, working scale),
// red company seals, text lines read by Tesseract, the document type, the fields that matter
// (USCC, ID number, company and person names) and handwritten signatures next to their labels.
//
// A ScanAnalyzer owns one Tesseract engine: make one per worker thread and never share it.
// What a document type looks like (title words, field labels) is data from rules/documents.yaml,
// handed in as DocumentType values; this library never reads rule files itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace keydesk::ocr {

// A rectangle in the normalised page's pixels (after rotation, deskew and scaling).
struct Box {
  int x = 0, y = 0, w = 0, h = 0;
  int right() const { return x + w; }
  int bottom() const { return y + h; }
  bool operator==(const Box&) const = default;
};

// One document type (营业执照, 授权委托书, …) as rules/documents.yaml describes it.
struct DocumentType {
  std::string id;                            // business_licence, …
  std::string title;                         // 营业执照副本复印件 (for remarks)
  std::vector<std::string> title_words;      // words whose presence names the type
  std::vector<std::string> exclusive_words;  // words that rule the type out
  std::vector<std::string> body_words;  // words only this type's body holds (经营范围, …)
  // Values whose form only this type's body holds, each counting as one of its body words:
  // "id_number" (an 18-character citizen ID number that passes its check), "validity" (an ID
  // card's period of validity, 2014.01.26-2034.01.26 or …-长期).
  std::vector<std::string> body_codes;
  std::vector<std::string> uscc_labels;    // 统一社会信用代码, …
  std::vector<std::string> name_labels;    // 名称, 企业名称, 经营者中文名称, …
  std::vector<std::string> person_labels;  // 姓名, 兹委托, …
  std::vector<std::string> id_labels;      // 公民身份号码, 身份证号码, …
  std::vector<std::string> other_labels;  // labels of values not read (注册资本, 有效期限, …)
  // The items of a form's tick list (□首次申领 □补办 …): one of them is ticked.
  std::vector<std::string> tick_items;
  // Signature labels by signer: {"legal_representative", {"法定代表人（签字）", …}}.
  std::vector<std::pair<std::string, std::vector<std::string>>> signature_labels;
};

// A line of text as read, in page coordinates.
struct TextLine {
  Box box;
  std::string text;  // UTF-8, as Tesseract read it (spaces between Chinese characters removed)
  float confidence = 0;
};

// The form's company name looked for along a red seal's arc (its text as read, aligned with
// the name): how many of the name's characters were read as they are, and per character read as
// another, how much the ink there looks like the one read and like the form's (GlyphShapes).
struct SealNameCheck {
  enum class Verdict { same, other, doubtful, unsure };
  struct Difference {
    std::string read, expected;
    double read_likeness = -1, form_likeness = -1;
    // The ink clearly is the character read, not the form's, in the name before its legal form.
    bool clearly_other = false;
  };
  std::string expected;
  size_t read_as_name = 0;   // characters of the name read as they are
  size_t drawn_as_name = 0;  // … read as another, but whose ink clearly is the name's
  std::vector<Difference> differences;
  // same: the seal carries the name; other: it clearly carries another (two characters surely
  // another's, standing together as a brand does, or a word of another trade or place); doubtful:
  // one character of the name clearly another's, or two not so (far apart, or only one by a wide
  // margin), where the rest lines up (a person looks); unsure: none of these.
  Verdict verdict = Verdict::unsure;
  // A word of another trade or place read whole on the seal, which the name does not hold (实业
  // on a seal of …供应链管理有限公司): another company's name. "" when none.
  std::string foreign_word;
  // The name's brand: its characters before its legal form that spell neither its place nor its
  // trade (联创 of 北京联创贸易有限公司). brand_missing: the rest of the name was found, none of
  // its brand (北京云帆久易有限公司, another company of the same place and trade, on 北京联创's
  // papers); the verdict is then unsure, and the seal must be alike the company's stamp.
  std::string brand;
  bool brand_missing = false;
};

// The band of a red seal's name as a coarse picture, to tell whether two seals are one stamp: a
// company presses one seal on all its papers, so its seals differ only in how they were pressed
// (angle, ink, pressure), while another company's name lies otherwise along its arc even where it
// is too faint to read. `ink` holds kPrintRows rows of `bins` digits '0'..'9' (the ink's share
// in tenths), row after row from the band's outer edge inwards, a bin for every kPrintDegrees of
// the circle from the middle of the seal's foot. Empty when the band was not found.
struct SealPrint {
  static constexpr int kPrintRows = 12;
  static constexpr double kPrintDegrees = 1.0;
  int bins = 0;
  std::string ink;
  // Bins there are, and `ink` is their rows of digits.
  bool well_formed() const {
    return bins > 0 && ink.size() == static_cast<size_t>(bins) * kPrintRows &&
           ink.find_first_not_of("0123456789") == std::string::npos;
  }
};

// How alike two seals' prints are as presses of one stamp, -1..1: the bands turned to their best
// match (by up to 60 degrees), then each stretch of 24 degrees (about a character) where both hold
// ink matched on its own (nudged by up to 3 degrees and a row); the likeness is the second least
// alike stretch's correlation, so that a name unlike in two characters (another company's brand
// beside this one's place and trade) is unlike, and one stretch damaged is not. std::nullopt
// when either print is empty, too faint to stand for its stamp or blotted solid.
std::optional<double> stamp_likeness(const SealPrint& a, const SealPrint& b);

// A seal-like mark: a roughly round ring of ink.
struct SealMark {
  Box box;
  bool red = false;      // red ink (a company seal) rather than grey/black (a photocopied seal)
  double roundness = 0;  // share of the ring's angular sectors that carry ink, 0..1
  double fill = 0;       // share of the box's pixels that are ink
  // A red seal's name as read along its arc (Chinese characters only; "" when none were read).
  std::string text;
  float text_confidence = 0;
  std::optional<SealNameCheck> name_check;
  SealPrint print;  // a red seal's, where its name was looked at
};

// A signature place: the label printed on the form and whether handwriting follows it.
struct SignatureMark {
  std::string signer;  // legal_representative | authorized_user
  std::string label;   // the label text as read
  Box label_box;
  Box region;  // where the handwriting was looked for
  bool present = false;
  double ink = 0;  // share of the region's pixels that are (non-red) ink
};

// An item of a form's tick list (□补办) as found, with the box before its words as read: empty
// (read as 口), ticked (read as another character: a tick, cross or fill changes its shape), or
// neither when the reading says nothing either way.
struct TickMark {
  std::string item;  // as the document type spells it (补办)
  Box box;           // where the box was read
  std::string read;  // the character read for the box ("" when none stood before the item)
  bool ticked = false;
  bool empty = false;
};

// A field value found next to its label, or a code found anywhere on the page.
struct FieldRead {
  std::string field;  // uscc | name | person | id_number
  std::string text;   // as read (after removing spaces); codes are upper-cased
  Box box;
  float confidence = 0;
};

// A place on an upright page, as fractions of its width and height: where a row begins (its left
// edge) and its middle.
struct PagePlace {
  float x = 0, y = 0;
};

// A second look at a name read one or two characters off the form's, or a code two or three
// (ScanHints): each such character on the page compared with the form's and with the one read,
// both drawn from the machine's Chinese fonts. When the form's are clearly the likelier, the row
// reads as the form's value (`taken`); a different one on the page draws like what was read and
// stays as read.
struct GlyphCheck {
  std::string field;     // name | person | uscc | id_number
  std::string read;      // the row's characters in the name's place, as read
  std::string expected;  // the form's name
  Box box;               // the characters compared
  // Per character compared: how much its ink looks like the character read and like the form's
  // (normalised correlation, −1..1).
  std::vector<std::pair<double, double>> likeness;
  // Per character compared: the character, other than those two, that looks most like its ink,
  // and how much: for a name's, among GB 2312's; for a code's, among those the code may hold
  // ("" and −1 where the check was already lost: rivals are looked for only while it can be
  // taken).
  std::vector<std::pair<std::string, double>> rivals;
  bool taken = false;
  // A name's place read again alone from the grey, when its ink did not settle it; taken when
  // that reading holds the form's name whole ("" when not read again).
  std::string read_again;
};

struct ScanResult {
  bool readable = false;
  std::string problem;  // why it is not readable, for a person (when !readable)
  int source_width = 0, source_height = 0;
  int width = 0, height = 0;  // the normalised page
  int rotation = 0;           // clockwise quarter turns applied: 0, 90, 180, 270
  double skew_degrees = 0;    // the deskew applied
  double scale = 1;           // normalised / source
  std::string detected_type;  // a DocumentType id, or "" when none matched
  double type_score = 0;
  double ink_share = 0;  // share of dark pixels on the page (a blank page is ~0)
  std::vector<TextLine> lines;
  std::vector<SealMark> seals;
  std::vector<SignatureMark> signatures;
  std::vector<FieldRead> fields;
  std::vector<TickMark> ticks;  // the tick list's items found (DocumentType::tick_items)
  std::vector<GlyphCheck> glyph_checks;
  // The rows that held a label, a value or a signature label looked for (ScanHints::places).
  std::vector<PagePlace> places;
};

nlohmann::json scan_result_json(const ScanResult& result);
// The inverse of scan_result_json, for results kept in a batch database. nullopt: not a result.
std::optional<ScanResult> scan_result_from_json(const nlohmann::json& json);

// What the form says, so reading can stop once each value has been seen on the page, and where
// to look first. Hints never decide a check by themselves: they order the reading and end it
// early, and a name read a character or two off them is looked at again (GlyphCheck), where the
// page's ink decides; an empty hint is not looked for.
struct ScanHints {
  std::string uscc;
  std::string company_name;
  std::string person_name;
  std::string id_number;
  // The company's name looked for along a red seal's arc (SealNameCheck), on every material that
  // is sealed.
  std::string seal_name;
  // Where other pages of the expected type held what was looked for (their ScanResult::places):
  // rows there are read first. Forms of one kind put their labels in one place, so a batch that
  // has read a few of a kind knows where to look on the rest.
  std::vector<PagePlace> places;
};

struct ScanOptions {
  std::string tessdata_dir;      // "" : Tesseract's default
  int working_long_side = 1754;  // A4 at 150 dpi
};

class ScanAnalyzer {
 public:
  // Loads Tesseract (chi_sim for text, eng for codes). An Error (not_found) when the language
  // data is missing.
  static Result<std::unique_ptr<ScanAnalyzer>> create(std::vector<DocumentType> types,
                                                      const ScanOptions& options);
  ~ScanAnalyzer();
  ScanAnalyzer(const ScanAnalyzer&) = delete;
  ScanAnalyzer& operator=(const ScanAnalyzer&) = delete;

  // Analyses an image file's bytes (JPEG, PNG, TIFF, BMP, GIF, WebP). `expected_type` is the
  // material type it was uploaded as: the signature labels of that type are looked for even when
  // the content says otherwise. Rows are read titles first, then top to bottom, until the type,
  // every hinted value and every signature label of `expected_type` have been seen (ROI
  // recognition: the rest of the page is not read). Never throws on bad bytes: the result is
  // !readable instead.
  ScanResult analyse(const std::string& bytes, std::string_view expected_type,
                     const ScanHints& hints = {});

 private:
  struct Impl;
  explicit ScanAnalyzer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The normalised page of `bytes` (as `result` was computed on it) as a JPEG no wider than
// `max_width`, for reports that draw evidence boxes on the scan: the boxes of `result` fit it
// once scaled by its width over result.width. Empty on failure.
std::string preview_jpeg(const std::string& bytes, const ScanResult& result, int max_width);

}  // namespace keydesk::ocr
