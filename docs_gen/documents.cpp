#include "docs_gen/documents.h"

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "docs_gen/internal/font.h"
#include "docs_gen/internal/layouts.h"

namespace keydesk::embedded {
extern const char docs_coversheet_schema_json[];
extern const char docs_manifest_schema_json[];
extern const char docs_receipt_schema_json[];
extern const char docs_notice_schema_json[];
}  // namespace keydesk::embedded

namespace keydesk::docs {

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The integer at `key`, or `fallback` when there is none or an int cannot hold it: compared in
// 64 bits, never narrowed (the input schemas bound each integer well inside an int, so a
// validated input never falls back).
int integer(const nlohmann::json& j, const char* key, int fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  if (it->is_number_unsigned())
    return it->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT_MAX)
               ? static_cast<int>(it->get<std::uint64_t>())
               : fallback;
  std::int64_t v = it->get<std::int64_t>();
  return v >= INT_MIN && v <= INT_MAX ? static_cast<int>(v) : fallback;
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

const nlohmann::json& list(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

Party party_from_json(const nlohmann::json& j) {
  return {str(j, "organisation"), str(j, "person"), str(j, "phone"), str(j, "fax"),
          str(j, "address")};
}

CaseHeader header_from_json(const nlohmann::json& j) {
  const auto& enterprise = member(j, "enterprise");
  return {str(j, "case"),          str(j, "date"),          party_from_json(member(j, "authority")),
          str(enterprise, "name"), str(enterprise, "uscc"), str(j, "procedure")};
}

}  // namespace

std::optional<Kind> kind_from_name(const std::string& name) {
  if (name == "coversheet") return Kind::coversheet;
  if (name == "manifest") return Kind::manifest;
  if (name == "receipt") return Kind::receipt;
  if (name == "notice") return Kind::notice;
  return std::nullopt;
}

const nlohmann::json& input_schema(Kind kind) {
  static const nlohmann::json coversheet = nlohmann::json::parse(embedded::docs_coversheet_schema_json);
  static const nlohmann::json manifest = nlohmann::json::parse(embedded::docs_manifest_schema_json);
  static const nlohmann::json receipt = nlohmann::json::parse(embedded::docs_receipt_schema_json);
  static const nlohmann::json notice = nlohmann::json::parse(embedded::docs_notice_schema_json);
  switch (kind) {
    case Kind::coversheet:
      return coversheet;
    case Kind::manifest:
      return manifest;
    case Kind::receipt:
      return receipt;
    case Kind::notice:
      return notice;
  }
  return coversheet;
}

CoverSheet coversheet_from_json(const nlohmann::json& j) {
  CoverSheet s;
  s.batch_id = str(j, "batch");
  s.date = str(j, "date");
  s.from = party_from_json(member(j, "from"));
  s.to = party_from_json(member(j, "to"));
  s.note = str(j, "note");
  for (const auto& c : list(j, "cases"))
    s.cases.push_back({str(c, "case"), str(c, "enterprise"), str(c, "uscc"), str(c, "procedure"),
                       integer(c, "pages", 0)});
  return s;
}

CourierManifest manifest_from_json(const nlohmann::json& j) {
  CourierManifest m;
  m.manifest_id = str(j, "manifest");
  m.date = str(j, "date");
  m.courier = str(j, "courier");
  m.sender = party_from_json(member(j, "sender"));
  m.receiver = party_from_json(member(j, "receiver"));
  for (const auto& i : list(j, "items"))
    m.items.push_back({str(i, "waybill"), str(i, "case"), str(i, "enterprise"), str(i, "contents"),
                       integer(i, "count", 1)});
  return m;
}

Receipt receipt_from_json(const nlohmann::json& j) {
  Receipt r;
  r.header = header_from_json(j);
  r.materials = strings(j, "materials");
  const auto& next = member(j, "next_step");
  r.next_step = str(next, "title");
  r.deadline = str(next, "deadline");
  r.working_days = integer(next, "working_days", 0);
  r.query = strings(j, "query");
  return r;
}

ReturnNotice notice_from_json(const nlohmann::json& j) {
  ReturnNotice n;
  n.header = header_from_json(j);
  n.outcome = str(j, "outcome");
  for (const auto& f : list(j, "findings"))
    n.findings.push_back({str(f, "material"), str(f, "code"), str(f, "remark")});
  n.resubmit = strings(j, "resubmit");
  return n;
}

std::string coversheet_qr_text(const CoverSheet& sheet) {
  std::string text = "batch=" + sheet.batch_id + ";cases=";
  for (std::size_t i = 0; i < sheet.cases.size(); ++i)
    text += (i ? "," : "") + sheet.cases[i].case_id;
  return text;
}

std::string default_font_path() {
  if (const char* env = std::getenv("KEYDESK_FONT"); env && *env) return env;
  // Debian's fonts-wqy-zenhei, then older and other distributions' places for it.
  for (const char* p : {"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                        "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
                        "/usr/share/fonts/truetype/wqy-zenhei/wqy-zenhei.ttc"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return {};
}

struct Generator::Impl {
  std::shared_ptr<const internal::FontFace> face;
};

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;
Generator::~Generator() = default;

Result<Generator> Generator::open(const std::string& font_path, int face_index) {
  std::string path = font_path.empty() ? default_font_path() : font_path;
  if (path.empty())
    return error_of(
        ErrorKind::not_found,
        "no CJK TrueType font found (looked for /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc): "
        "install fonts-wqy-zenhei, or give one with --font or KEYDESK_FONT");
  auto face = internal::FontFace::open(path, face_index);
  if (!face) return face.error();
  auto impl = std::make_unique<Impl>();
  impl->face = *face;
  return Generator(std::move(impl));
}

const std::string& Generator::font_path() const { return impl_->face->path(); }

Result<Pdf> Generator::coversheet(const CoverSheet& sheet) const {
  auto drawing = internal::layout_coversheet(sheet, *impl_->face);
  if (!drawing) return drawing.error();
  return internal::write_pdf(*drawing, *impl_->face);
}

Result<Pdf> Generator::manifest(const CourierManifest& manifest) const {
  auto drawing = internal::layout_manifest(manifest, *impl_->face);
  if (!drawing) return drawing.error();
  return internal::write_pdf(*drawing, *impl_->face);
}

Result<Pdf> Generator::receipt(const Receipt& receipt) const {
  return internal::write_pdf(internal::layout_receipt(receipt, *impl_->face), *impl_->face);
}

Result<Pdf> Generator::notice(const ReturnNotice& notice) const {
  return internal::write_pdf(internal::layout_notice(notice, *impl_->face), *impl_->face);
}

}  // namespace keydesk::docs
