#include <string>

#include "docs_gen/internal/barcode.h"
#include "docs_gen/internal/layout.h"
#include "docs_gen/internal/layouts.h"

namespace keydesk::docs::internal {

namespace {

std::string indexed(const std::string& array, std::size_t i, const std::string& key) {
  return array + "[" + std::to_string(i) + "]." + key;
}

// The sender/receiver grid shared by the cover sheet and the manifest.
void parties_table(Sheet& s, const std::string& from_title, const Party& from,
                   const std::string& from_field, const std::string& to_title, const Party& to,
                   const std::string& to_field, bool with_fax, double width) {
  auto row = [&](const char* label, const std::string Party::*member, const char* key) {
    return std::vector<Cell>{{label, "label", true},
                             {from.*member, from_field + "." + key},
                             {to.*member, to_field + "." + key}};
  };
  std::vector<std::vector<Cell>> rows = {
      {{"", "label"}, {from_title, "label", true}, {to_title, "label", true}},
      row("单位", &Party::organisation, "organisation"),
      row("联系人", &Party::person, "person"),
      row("电话", &Party::phone, "phone")};
  if (with_fax) rows.push_back(row("传真", &Party::fax, "fax"));
  if (!from.address.empty() || !to.address.empty())
    rows.push_back(row("地址", &Party::address, "address"));
  s.table({{"", 1}, {"", 3.5}, {"", 3.5}}, rows, Sheet::kLeft, width);
}

std::string contents_name(const std::string& contents) {
  if (contents == "key") return "电子钥匙";
  if (contents == "documents") return "申请材料";
  return contents;
}

// A letter's title and salutation, and its first paragraph.
Sheet open_letter(const FontFace& face, const char* title, const CaseHeader& h,
                  const std::string& body, const std::string& body_field) {
  Sheet s(face);
  s.title(title, "title");
  s.skip(10);
  s.paragraph(h.enterprise + "：", "enterprise");
  s.paragraph("　　" + body, body_field);
  s.skip(8);
  return s;
}

// The authority's sign-off at the foot of a receipt or notice.
void sign_off(Sheet& s, const Party& authority, const std::string& date) {
  s.skip(18);
  s.ensure(Sheet::line_height(Sheet::kBody) * 3);
  const double x = Sheet::kLeft + (Sheet::kRight - Sheet::kLeft) * 0.5;
  s.paragraph(authority.organisation + "（盖章）", "authority.organisation", Sheet::kBody, false, x,
              Sheet::kRight - x);
  if (!authority.phone.empty())
    s.paragraph("电话：" + authority.phone, "authority.phone", Sheet::kBody, false, x,
                Sheet::kRight - x);
  if (!date.empty()) s.paragraph(date, "date", Sheet::kBody, false, x, Sheet::kRight - x);
}

// The batch facts on the left, the QR code that pulls the batch up on the right.
void batch_facts(Sheet& s, const CoverSheet& sheet, const QrSymbol& qr, int total_pages) {
  const double module = 1.0 * kMm;  // >= 1 mm: 8 px at 204 dpi
  const double qr_side = (qr.size + 8) * module;
  const double top = s.y();
  s.table({{"", 1}, {"", 2.2}},
          {{{"日期", "label", true}, {sheet.date, "date"}},
           {{"页数", "label", true},
            {"共" + std::to_string(total_pages) + "页（含封面）", "cases[].pages", true}},
           {{"批次号", "label", true}, {sheet.batch_id, "batch"}},
           {{"案件数", "label", true}, {std::to_string(sheet.cases.size()) + "件", "cases"}}},
          Sheet::kLeft, Sheet::kRight - Sheet::kLeft - qr_side - 6 * kMm);
  const double after_table = s.y();
  s.qr(qr, Sheet::kRight - qr_side, top, module);
  const char* caption = "扫码调取本批次";
  s.text_at(Sheet::kRight - qr_side / 2 - s.width(caption, Sheet::kBody) / 2,
            top + qr_side + Sheet::kBody * 0.4, caption, "label");
  s.skip(std::max(0.0, top + qr_side + Sheet::kBody - after_table));
}

void enclosed_cases(Sheet& s, const CoverSheet& sheet, int enclosed_pages) {
  s.paragraph("随附案件", "label", 14, true);
  s.skip(2);
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < sheet.cases.size(); ++i) {
    const auto& c = sheet.cases[i];
    // The USCC goes under the name: both fit, and case numbers keep one line.
    rows.push_back({{std::to_string(i + 1), "index"},
                    {c.case_id, indexed("cases", i, "case")},
                    {c.enterprise + "\n" + c.uscc, indexed("cases", i, "enterprise")},
                    {c.procedure, indexed("cases", i, "procedure")},
                    {std::to_string(c.pages), indexed("cases", i, "pages")}});
  }
  rows.push_back({{"", "label"},
                  {"合计", "label", true},
                  {"", "label"},
                  {"", "label"},
                  {std::to_string(enclosed_pages), "cases[].pages", true}});
  // Widths in points: case numbers and USCCs on one line, names and procedures wrap.
  s.table({{"序号", 34},
           {"案件编号", 96},
           {"企业名称 / 统一社会信用代码", 214},
           {"办理事项", 104},
           {"页数", 34}},
          rows);
}

Drawing draw_coversheet(const CoverSheet& sheet, const FontFace& face, const QrSymbol& qr,
                        int total_pages, int enclosed_pages) {
  Sheet s(face);
  s.title("传真封面", "title");
  s.skip(6);
  parties_table(s, "发件方", sheet.from, "from", "收件方", sheet.to, "to", true,
                Sheet::kRight - Sheet::kLeft);
  s.skip(8);
  batch_facts(s, sheet, qr, total_pages);
  s.skip(10);
  enclosed_cases(s, sheet, enclosed_pages);
  s.skip(10);
  if (!sheet.note.empty()) {
    s.paragraph("备注：" + sheet.note, "note");
    s.skip(4);
  }
  s.paragraph(
      "收到后请核对页数与案件清单，并于当日回传本页签收或致电发件人确认收讫；"
      "页数不全或字迹不清，请即与发件人联系。",
      "instructions");
  s.skip(6);
  s.paragraph("收件人签收：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿＿＿", "label");
  s.skip(8);
  s.paragraph(
      "保密提示：本传真含企业及个人信息，仅供收件人办理电子钥匙业务使用；"
      "如误收，请立即通知发件人并销毁，不得复制或转发。",
      "confidentiality", Sheet::kBody, true);
  return s.finish("keydesk fax cover sheet " + sheet.batch_id);
}

}  // namespace

Result<Drawing> layout_coversheet(const CoverSheet& sheet, const FontFace& face) {
  auto qr = encode_qr(coversheet_qr_text(sheet));
  if (!qr)
    return error_of(
        ErrorKind::invalid_input,
        "the batch " + sheet.batch_id + " has too many cases for one QR code: split the batch");
  int enclosed = 0;
  for (const auto& c : sheet.cases) enclosed += c.pages;
  // 共N页 counts the cover pages themselves, known only after a first layout.
  int cover_pages = 1;
  for (int pass = 0; pass < 2; ++pass) {
    Drawing d = draw_coversheet(sheet, face, *qr, cover_pages + enclosed, enclosed);
    if (static_cast<int>(d.pages.size()) == cover_pages) return d;
    cover_pages = static_cast<int>(d.pages.size());
  }
  return error_of(ErrorKind::invalid_input,
                  "the cover sheet of " + sheet.batch_id + " did not settle on a page count");
}

Result<Drawing> layout_manifest(const CourierManifest& m, const FontFace& face) {
  auto bars = encode_code128(m.manifest_id);
  if (!bars)
    return error_of(ErrorKind::invalid_input,
                    "the manifest number '" + m.manifest_id +
                        "' cannot be written as Code128: use ASCII letters, digits "
                        "and '-'");
  Sheet s(face);
  s.title("快递交接单", "title");
  s.skip(4);
  const double module = 0.5 * kMm;  // 4 px at 204 dpi
  const double bar_height = 14 * kMm;
  const double symbol_width = (static_cast<double>(bars->size()) + 20) * module;
  const double x = (Sheet::kLeft + Sheet::kRight - symbol_width) / 2;
  s.code128(*bars, x, s.y(), module, bar_height);
  s.skip(bar_height + 2);
  const double id_width = s.width(m.manifest_id, Sheet::kBody);
  s.text_at((Sheet::kLeft + Sheet::kRight - id_width) / 2, s.y() + Sheet::kBody, m.manifest_id,
            "manifest");
  s.skip(Sheet::line_height(Sheet::kBody) + 8);
  s.table({{"", 1}, {"", 2.2}, {"", 1}, {"", 2.2}},
          {{{"交接单号", "label", true},
            {m.manifest_id, "manifest"},
            {"日期", "label", true},
            {m.date, "date"}},
           {{"快递公司", "label", true},
            {m.courier, "courier"},
            {"件数", "label", true},
            {std::to_string(m.items.size()) + "件", "items"}}});
  s.skip(10);
  parties_table(s, "寄件方", m.sender, "sender", "收件方", m.receiver, "receiver", false,
                Sheet::kRight - Sheet::kLeft);
  s.skip(10);
  s.paragraph("交接明细", "label", 14, true);
  s.skip(2);
  std::vector<std::vector<Cell>> rows;
  int keys = 0, documents = 0;
  for (std::size_t i = 0; i < m.items.size(); ++i) {
    const auto& item = m.items[i];
    (item.contents == "key" ? keys : documents) += item.count;
    rows.push_back({{item.waybill, indexed("items", i, "waybill")},
                    {item.case_id, indexed("items", i, "case")},
                    {item.enterprise, indexed("items", i, "enterprise")},
                    {contents_name(item.contents), indexed("items", i, "contents")},
                    {std::to_string(item.count), indexed("items", i, "count")}});
  }
  rows.push_back({{"合计", "label", true},
                  {"", "label"},
                  {(keys ? "电子钥匙" + std::to_string(keys) + "个" : std::string()) +
                       (keys && documents ? "，" : "") +
                       (documents ? "申请材料" + std::to_string(documents) + "份" : std::string()),
                   "items[].count", true},
                  {"", "label"},
                  {std::to_string(keys + documents), "items[].count", true}});
  s.table({{"运单号", 118}, {"案件编号", 96}, {"企业名称", 176}, {"内容", 58}, {"数量", 34}}, rows);
  s.skip(16);
  const double half = (Sheet::kRight - Sheet::kLeft) / 2;
  std::vector<std::vector<Cell>> sign = {
      {{"交件人签字：", "label", true}, {"收件人签字：", "label", true}},
      {{"\n\n", "label"}, {"\n\n", "label"}},
      {{"日期：　　年　　月　　日　　时", "label"}, {"日期：　　年　　月　　日　　时", "label"}}};
  s.ensure(s.table_height({{"", 1}, {"", 1}}, sign, 2 * half));
  s.table({{"", 1}, {"", 1}}, sign);
  return s.finish("keydesk courier manifest " + m.manifest_id);
}

Drawing layout_receipt(const Receipt& r, const FontFace& face) {
  const CaseHeader& h = r.header;
  // A date that waits on next year's holiday arrangement is no date: said as it is.
  const bool dated = !h.date.empty() && h.date[0] >= '0' && h.date[0] <= '9';
  Sheet s = open_letter(face, "受理回执", h,
                        "贵单位提交的“" + h.procedure + "”申请材料" +
                            (dated ? "已于" + h.date + "受理" : "已收到，受理日期" + h.date) +
                            "，案件编号" + h.case_id + "。请妥善保存本回执，查询和领取时出示。",
                        "procedure");
  s.table({{"", 1}, {"", 3}},
          {{{"案件编号", "label", true}, {h.case_id, "case"}},
           {{"企业名称", "label", true}, {h.enterprise, "enterprise"}},
           {{"统一社会信用代码", "label", true}, {h.uscc, "uscc"}},
           {{"办理事项", "label", true}, {h.procedure, "procedure"}},
           {{"受理日期", "label", true}, {h.date, "date"}},
           {{"受理机构", "label", true}, {h.authority.organisation, "authority.organisation"}}});
  s.skip(10);
  s.paragraph("收到材料", "label", 14, true);
  s.skip(2);
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < r.materials.size(); ++i)
    rows.push_back({{std::to_string(i + 1), "index"},
                    {r.materials[i], "materials[" + std::to_string(i) + "]"}});
  s.table({{"序号", 0.5}, {"材料名称", 5}}, rows);
  s.skip(10);
  s.paragraph("下一步", "label", 14, true);
  s.skip(2);
  std::string deadline = r.deadline.empty() ? std::string("—") : r.deadline;
  if (r.working_days > 0)
    deadline += "（受理后" + std::to_string(r.working_days) + "个工作日内，遇法定节假日顺延）";
  s.table({{"", 1}, {"", 3}}, {{{"办理环节", "label", true}, {r.next_step, "next_step"}},
                               {{"办结期限", "label", true}, {deadline, "deadline", true}}});
  if (!r.query.empty()) {
    s.skip(10);
    s.paragraph("查询方式", "label", 14, true);
    for (std::size_t i = 0; i < r.query.size(); ++i)
      s.paragraph("· " + r.query[i], "query[" + std::to_string(i) + "]");
  }
  sign_off(s, h.authority, dated ? h.date : std::string());
  return s.finish("keydesk acceptance receipt " + h.case_id);
}

Drawing layout_notice(const ReturnNotice& n, const FontFace& face) {
  const CaseHeader& h = n.header;
  Sheet s = open_letter(face, "退回通知", h,
                        "贵单位提交的“" + h.procedure + "”申请（案件编号" + h.case_id +
                            "，统一社会信用代码" + h.uscc + "）经审核，结论为：" + n.outcome +
                            "。具体原因见下表备注。",
                        "outcome");
  s.paragraph("退回原因", "label", 14, true);
  s.skip(2);
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < n.findings.size(); ++i) {
    const auto& f = n.findings[i];
    rows.push_back({{std::to_string(i + 1), "index"},
                    {f.material.empty() ? std::string("全部材料") : f.material,
                     indexed("findings", i, "material")},
                    {f.remark, indexed("findings", i, "remark")}});
  }
  s.table({{"序号", 0.5}, {"材料", 1.8}, {"备注", 4.2}}, rows);
  s.skip(10);
  s.paragraph("需重新提交", "label", 14, true);
  s.skip(2);
  for (std::size_t i = 0; i < n.resubmit.size(); ++i)
    s.paragraph(std::to_string(i + 1) + ". " + n.resubmit[i],
                "resubmit[" + std::to_string(i) + "]");
  s.skip(6);
  s.paragraph(
      "请按上述备注修改后重新提交全部申请材料（不只是退回的材料）；"
      "重新提交后，审核期限自再次受理之日起重新计算。",
      "instructions");
  sign_off(s, h.authority, h.date);
  return s.finish("keydesk return notice " + h.case_id);
}

}  // namespace keydesk::docs::internal
