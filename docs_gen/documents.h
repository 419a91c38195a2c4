// The documents a counter prints, as PDF: fax cover sheets (传真封面), courier manifests
// (快递交接单), acceptance receipts (受理回执) and return notices (退回通知).
//
// Inputs are plain structs (or their JSON form, schemas/docs-*.schema.json); docs_gen knows
// nothing of cases or the engine. The caller masks personal data before it gets here.
//
// Every PDF is made to survive a fax machine: one embedded TrueType CJK font (wqy-zenhei),
// subset to the characters the document uses; black on white; body text at least 12 pt;
// headings bold (fill then stroke); rules at least 1 pt; QR modules at least 1 mm with a
// four-module quiet zone; the top 10 mm left free for the fax machine's header line.
//
// A character the font lacks is an error naming the character, its U+ code point and the field it
// came from: a blank gap in a name on a faxed form is worse than no form.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace keydesk::docs {

// Expected failures (a missing glyph, bad input, no font) are Errors of the shared status type:
// invalid_input for what the caller gave, not_found / io for the font.
using keydesk::Error;
using keydesk::error_of;
using keydesk::ErrorKind;
using keydesk::Result;

// One side of a transmission: an authority, the vendor, an enterprise.
struct Party {
  std::string organisation;  // 单位
  std::string person;        // 联系人
  std::string phone;         // 电话
  std::string fax;           // 传真
  std::string address;       // 地址
};

// --- 传真封面: fax cover sheet --------------------------------------------------------------
struct EnclosedCase {
  std::string case_id;     // 案件编号
  std::string enterprise;  // 企业名称
  std::string uscc;        // 统一社会信用代码
  std::string procedure;   // 办理事项, e.g. 补办（丢失、损坏）
  int pages = 0;           // pages faxed for this case
};

struct CoverSheet {
  std::string batch_id;
  std::string date;  // YYYY-MM-DD
  Party from, to;
  std::vector<EnclosedCase> cases;
  std::string note;  // optional: a line for the receiver
};

// --- 快递交接单: courier manifest ---------------------------------------------------------------
struct ManifestItem {
  std::string waybill;  // 运单号
  std::string case_id;
  std::string enterprise;
  std::string contents;  // "key" (电子钥匙) or "documents" (申请材料)
  int count = 1;
};

struct CourierManifest {
  std::string manifest_id;  // 交接单号, also printed as Code128
  std::string date;
  std::string courier;  // 快递公司
  Party sender, receiver;
  std::vector<ManifestItem> items;
};

// What a letter to an enterprise about its case opens with (receipts and notices).
struct CaseHeader {
  std::string case_id;
  std::string date;  // the letter's date: acceptance (receipt), the failed review (notice)
  Party authority;
  std::string enterprise, uscc;
  std::string procedure;  // 办理事项, e.g. 补办（丢失、损坏）
};

// --- 受理回执: acceptance receipt -----------------------------------------------------------
struct Receipt {
  CaseHeader header;
  std::vector<std::string> materials;  // received, as their Chinese names
  std::string next_step;               // e.g. 发证机构核验
  std::string deadline;                // YYYY-MM-DD, from the working-day calendar
  int working_days = 0;
  std::vector<std::string> query;  // where to ask: 在线填报系统 …, 客服电话 …
};

// --- 退回通知: return notice ----------------------------------------------------------------
struct Finding {
  std::string material;  // its Chinese name, or empty for the case as a whole
  std::string code;      // e.g. seal.missing
  std::string remark;    // 备注, in Chinese
};

struct ReturnNotice {
  CaseHeader header;
  std::string outcome;  // 核验未通过 / 复核未通过 / 复验未通过 / 审核未通过
  std::vector<Finding> findings;
  std::vector<std::string> resubmit;  // what to submit again
};

// A rendered document.
struct Pdf {
  std::string bytes;
  int pages = 0;
};

enum class Kind { coversheet, manifest, receipt, notice };

// "coversheet" … "notice"; nullopt for anything else.
std::optional<Kind> kind_from_name(const std::string& name);
// The JSON Schema of a document's JSON input (schemas/docs-<kind>.schema.json, built in).
const nlohmann::json& input_schema(Kind kind);

// JSON (already valid against input_schema) to structs.
CoverSheet coversheet_from_json(const nlohmann::json& j);
CourierManifest manifest_from_json(const nlohmann::json& j);
Receipt receipt_from_json(const nlohmann::json& j);
ReturnNotice notice_from_json(const nlohmann::json& j);

// The font file used when none is given: $KEYDESK_FONT, else the first of Debian's
// wqy-zenhei paths that exists; empty when none does.
std::string default_font_path();

// Renders documents with one font. Opening reads the font once; each document is then subset
// and embedded on its own. Not thread-safe: one Generator per thread.
class Generator {
 public:
  // `font_path`: a TrueType (.ttf) or TrueType collection (.ttc, face `face_index`). Empty: the
  // default_font_path(). Fails with a message naming the path when it cannot be read.
  static Result<Generator> open(const std::string& font_path = "", int face_index = 0);
  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;
  ~Generator();

  const std::string& font_path() const;

  Result<Pdf> coversheet(const CoverSheet& sheet) const;
  Result<Pdf> manifest(const CourierManifest& manifest) const;
  Result<Pdf> receipt(const Receipt& receipt) const;
  Result<Pdf> notice(const ReturnNotice& notice) const;

 private:
  struct Impl;
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The text encoded in a cover sheet's QR code: "batch=<id>;cases=<id>,<id>,…".
std::string coversheet_qr_text(const CoverSheet& sheet);

}  // namespace keydesk::docs
