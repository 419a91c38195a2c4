#include "engine/batch_report.h"

#include "engine/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace keydesk {

namespace fs = std::filesystem;
using nlohmann::json;

const char* verdict_label(const std::string& verdict) {
  return verdict == "pass" ? "通过" : verdict == "fail" ? "未通过" : "需人工复核";
}

namespace {

// ---- Reading the report: every accessor tolerates a missing or mistyped key. ----

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number() || j.is_boolean()) return j.dump();
  return {};
}

std::string text(const json& j, const char* key) { return text(field(j, key)); }

const json& list(const json& j, const char* key) {
  static const json kEmpty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : kEmpty;
}

// The file a finding is about: its evidence's, else the file of the material it names.
std::string finding_file(const json& submission, const json& finding) {
  std::string file = text(field(finding, "evidence"), "file");
  if (!file.empty()) return file;
  std::string material = text(finding, "material");
  for (const json& m : list(submission, "materials"))
    if (text(m, "material") == material) return text(m, "file");
  return {};
}

// Anything not clearly pass or fail needs a person, so the page shows and sorts it as review.
std::string shown_verdict(const json& submission) {
  std::string v = text(submission, "verdict");
  return v == "pass" || v == "fail" ? v : "review";
}

int verdict_rank(const std::string& verdict) {
  return verdict == "fail" ? 0 : verdict == "review" ? 1 : 2;
}

int severity_rank(const std::string& severity) {
  return severity == "fail" ? 0 : severity == "review" ? 1 : severity == "info" ? 2 : 3;
}

// ---- CSV ----

std::string csv_cell(std::string value) {
  // A leading = + - @ (or tab/CR, which Excel skips) would make the cell a formula.
  if (!value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos)
    value.insert(0, 1, '\'');
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

void csv_row(std::string& out, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += csv_cell(cells[i]);
  }
  out += "\r\n";
}

// ---- HTML ----

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '"'  ? "&quot;"
                         : c == '\'' ? "&#39;"
                                     : nullptr;
    if (entity)
      out += entity;
    else
      out += c;
  }
  return out;
}

// Previews are paths relative to the page. Percent-encoding all but unreserved characters and
// '/' keeps '#', '?' and spaces in names working, and turns any "scheme:" into a plain path.
std::string url_path(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || std::string_view("-._~/").find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// A coordinate or duration as SVG/HTML text: integers bare, others to two decimals.
std::string num(double v) {
  char buf[32];
  if (!(std::abs(v) < 1e15)) {  // huge, infinite or NaN: never a real coordinate
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
  if (v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string out = buf;
  if (out.find('.') != std::string::npos) {
    out.erase(out.find_last_not_of('0') + 1);  // "4.20" -> "4.2"
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

const char* severity_label(const std::string& severity) {
  if (severity == "fail") return "未通过";
  if (severity == "review") return "需复核";
  if (severity == "info") return "提示";
  return "";
}

std::string material_label(const std::string& material) {
  return material == "submission" ? "申请信息" : material;
}

struct Box {
  double x, y, w, h;
};

std::optional<Box> to_box(const json& b) {
  if (!b.is_array() || b.size() != 4) return std::nullopt;
  for (const json& v : b)
    if (!v.is_number()) return std::nullopt;
  Box box{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
  if (box.w <= 0 || box.h <= 0) return std::nullopt;
  return box;
}

// evidence.box and every entry of evidence.boxes.
std::vector<Box> boxes_of(const json& finding) {
  const json& evidence = field(finding, "evidence");
  std::vector<Box> boxes;
  if (auto b = to_box(field(evidence, "box"))) boxes.push_back(*b);
  for (const json& b : list(evidence, "boxes"))
    if (auto box = to_box(b)) boxes.push_back(*box);
  return boxes;
}

bool finding_is_on(const json& finding, const json& material) {
  std::string file = text(field(finding, "evidence"), "file");
  if (!file.empty()) return file == text(material, "file");
  return text(finding, "material") == text(material, "material");
}

// Findings in the order a clerk reads them: fail, review, info (stable within each).
std::vector<const json*> sorted_findings(const json& submission) {
  std::vector<const json*> findings;
  for (const json& f : list(submission, "findings")) findings.push_back(&f);
  std::stable_sort(findings.begin(), findings.end(), [](const json* a, const json* b) {
    return severity_rank(text(*a, "severity")) < severity_rank(text(*b, "severity"));
  });
  return findings;
}

// The return remark: every fail/review message once, numbered "1. ", one per line.
std::string remark_text(const std::vector<const json*>& findings) {
  std::vector<std::string> messages;
  for (const json* f : findings) {
    std::string severity = text(*f, "severity");
    std::string message = text(*f, "message");
    if ((severity != "fail" && severity != "review") || message.empty()) continue;
    if (std::find(messages.begin(), messages.end(), message) == messages.end())
      messages.push_back(message);
  }
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i) out += '\n';
    out += std::to_string(i + 1);
    out += ". ";
    out += messages[i];
  }
  return out;
}

void render_findings(std::string& out, const json& submission,
                     const std::vector<const json*>& findings) {
  if (findings.empty()) {
    if (text(submission, "error").empty()) out += "<p class=\"none\">未发现问题。</p>\n";
    return;
  }
  out +=
      "<table class=\"findings\"><thead><tr><th>材料</th><th>代码</th><th>级别</th>"
      "<th>备注</th></tr></thead><tbody>\n";
  for (const json* f : findings) {
    std::string severity = text(*f, "severity");
    const json& evidence = field(*f, "evidence");
    out +=
        "<tr class=\"sev-" + esc(severity) + "\"><td>" + esc(material_label(text(*f, "material")));
    std::string file = finding_file(submission, *f);
    if (!file.empty()) out += "<div class=\"file\">" + esc(file) + "</div>";
    out += "</td><td><code>" + esc(text(*f, "code")) + "</code></td><td><span class=\"sev " +
           esc(severity) + "\">" + esc(severity_label(severity)) + "</span></td><td>" +
           esc(text(*f, "message"));
    std::string details;
    static const std::pair<const char*, const char*> kDetails[] = {
        {"expected", "应为"}, {"found", "实际"}, {"text", "识别文字"}};
    for (auto [key, label] : kDetails) {
      std::string value = text(evidence, key);
      if (value.empty()) continue;
      details += std::string(details.empty() ? "" : " · ") + label + "：<q>" + esc(value) + "</q>";
    }
    if (!details.empty()) out += "<div class=\"evidence\">" + details + "</div>";
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void render_remarks(std::string& out, const std::string& remarks, size_t index) {
  if (remarks.empty()) return;
  std::string id = "remarks-" + std::to_string(index);
  size_t lines = static_cast<size_t>(std::count(remarks.begin(), remarks.end(), '\n')) + 2;
  out += "<div class=\"remarks\"><div class=\"remarks-head\"><label for=\"" + id +
         "\">备注（退回意见）</label><button type=\"button\" class=\"copy\" data-target=\"" + id +
         "\">复制备注</button></div><textarea id=\"" + id + "\" rows=\"" +
         std::to_string(std::clamp<size_t>(lines, 3, 12)) + "\" spellcheck=\"false\">" +
         esc(remarks) + "</textarea><pre class=\"print-only\" data-for=\"" + id + "\">" +
         esc(remarks) + "</pre></div>\n";
}

// One scan with its evidence boxes. The SVG's viewBox is the page's coordinate space and the
// figure keeps the page's aspect ratio, so boxes sit on the image at any displayed size.
void render_scan(std::string& out, const json& material, const std::vector<const json*>& findings) {
  const json& page = field(material, "page");
  const json& pw = field(page, "width");
  const json& ph = field(page, "height");
  bool paged = pw.is_number() && ph.is_number() && pw.get<double>() > 0 && ph.get<double>() > 0;
  std::string label = esc(material_label(text(material, "material")));
  std::string file = esc(text(material, "file"));
  out +=
      "<figure class=\"scan-figure\"><div class=\"scan" + std::string(paged ? " paged" : "") + "\"";
  double width = paged ? pw.get<double>() : 0, height = paged ? ph.get<double>() : 0;
  if (paged) out += " style=\"aspect-ratio: " + num(width) + " / " + num(height) + "\"";
  out += "><img src=\"" + esc(url_path(text(material, "preview"))) + "\" alt=\"" + label + " " +
         file + "\"";
  if (paged) out += " width=\"" + num(width) + "\" height=\"" + num(height) + "\"";
  out += ">";
  if (paged) {
    double font = std::max(12.0, std::round(width / 40));
    out += "<svg class=\"overlay\" viewBox=\"0 0 " + num(width) + " " + num(height) +
           "\" preserveAspectRatio=\"none\" font-size=\"" + num(font) + "\">";
    for (const json* f : findings) {
      std::string code = esc(text(*f, "code"));
      std::string message = esc(text(*f, "message"));
      for (const Box& b : boxes_of(*f)) {
        // The label goes above the box, or below it when the box touches the top; it is
        // anchored at the box's right edge when it would run off the page.
        double label_y = b.y >= font * 1.2 ? b.y - font * 0.3 : b.y + b.h + font;
        bool right = b.x + static_cast<double>(code.size()) * font * 0.6 > width;
        out += "<g class=\"box " + esc(text(*f, "severity")) + "\"><rect x=\"" + num(b.x) +
               "\" y=\"" + num(b.y) + "\" width=\"" + num(b.w) + "\" height=\"" + num(b.h) +
               "\"><title>" + message + "</title></rect><text x=\"" + num(right ? b.x + b.w : b.x) +
               "\" y=\"" + num(label_y) + "\"" + (right ? " text-anchor=\"end\"" : "") + ">" +
               code + "</text></g>";
      }
    }
    out += "</svg>";
  }
  out += "</div><figcaption>" + label + " · " + file + "</figcaption></figure>\n";
}

void render_scans(std::string& out, const json& submission,
                  const std::vector<const json*>& findings) {
  std::string figures;
  for (const json& m : list(submission, "materials")) {
    if (text(m, "preview").empty()) continue;
    std::vector<const json*> boxed;
    for (const json* f : findings)
      if (finding_is_on(*f, m) && !boxes_of(*f).empty()) boxed.push_back(f);
    if (!boxed.empty()) render_scan(figures, m, boxed);
  }
  if (!figures.empty()) out += "<div class=\"scans\">\n" + figures + "</div>\n";
}

void render_submission(std::string& out, const json& s, size_t index) {
  std::string verdict = shown_verdict(s);
  const json& enterprise = field(s, "enterprise");
  out += "<section class=\"submission v-" + verdict + "\" data-verdict=\"" + verdict +
         "\">\n<div class=\"sub-head\"><h2>" + esc(text(s, "id")) + "</h2><span class=\"badge " +
         verdict + "\">" + verdict_label(verdict) + "</span></div>\n<dl class=\"facts\">";
  auto fact = [&out](const char* term, const std::string& html) {
    if (!html.empty()) out += "<div><dt>" + std::string(term) + "</dt><dd>" + html + "</dd></div>";
  };
  fact("企业", esc(text(enterprise, "name")));
  std::string uscc = text(enterprise, "uscc");
  fact("统一社会信用代码", uscc.empty() ? "" : "<code>" + esc(uscc) + "</code>");
  std::string title = text(s, "procedure_title"), procedure = text(s, "procedure");
  fact("办理事项",
       title.empty()
           ? esc(procedure)
           : esc(title) + (procedure.empty() ? "" : " <small>(" + esc(procedure) + ")</small>"));
  std::string dir = text(s, "dir");
  fact("目录", dir.empty() ? "" : "<code>" + esc(dir) + "</code>");
  out += "</dl>\n";
  std::string error = text(s, "error");
  if (!error.empty()) out += "<p class=\"error\">无法核验：" + esc(error) + "</p>\n";
  auto findings = sorted_findings(s);
  render_findings(out, s, findings);
  render_remarks(out, remark_text(findings), index);
  render_scans(out, s, findings);
  out += "</section>\n";
}

const char* const kStyle = R"css(
:root { --fail: #c62828; --fail-bg: #fdecea; --review: #e67700; --review-ink: #a35400;
  --review-bg: #fff4e0; --pass: #2e7d32; --pass-bg: #e8f5e9; --info: #1565c0; --line: #dde1e6;
  --muted: #5f6b7a; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: #f4f6f8; color: #1f2933; line-height: 1.5;
  font: 15px/1.55 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
  system-ui, sans-serif; }
code { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: .92em; }
header.top { background: #fff; border-bottom: 1px solid var(--line); padding: 18px 28px 12px;
  position: sticky; top: 0; z-index: 2; }
h1 { font-size: 21px; margin: 0 16px 0 0; display: inline-block; }
.batch { display: inline-block; color: var(--muted); }
.meta { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
.counts { display: flex; gap: 10px; flex-wrap: wrap; margin-bottom: 10px; }
.count { border-radius: 8px; padding: 6px 14px; font-size: 14px; }
.count b { font-size: 20px; margin-right: 6px; }
.count.pass { background: var(--pass-bg); color: var(--pass); }
.count.fail { background: var(--fail-bg); color: var(--fail); }
.count.review { background: var(--review-bg); color: var(--review-ink); }
.count.total { background: #eef1f4; color: var(--muted); }
.filters button, button.copy { font: inherit; font-size: 14px; border: 1px solid var(--line);
  background: #fff; border-radius: 6px; padding: 4px 12px; cursor: pointer; }
.filters button.active { background: #1f2933; border-color: #1f2933; color: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 18px 20px 40px; }
section.submission { background: #fff; border: 1px solid var(--line); border-left: 5px solid;
  border-radius: 8px; padding: 14px 20px 18px; margin-bottom: 16px; }
section.v-fail { border-left-color: var(--fail); }
section.v-review { border-left-color: var(--review); }
section.v-pass { border-left-color: var(--pass); }
.sub-head { display: flex; align-items: center; gap: 12px; }
h2 { font-size: 18px; margin: 0; font-family: ui-monospace, Consolas, monospace; }
.badge { border-radius: 999px; padding: 1px 12px; font-size: 13px; font-weight: 600; color: #fff; }
.badge.fail { background: var(--fail); }
.badge.review { background: var(--review); }
.badge.pass { background: var(--pass); }
dl.facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 8px 0 10px; }
dl.facts div { display: flex; gap: 6px; }
dt { color: var(--muted); }
dt::after { content: "："; }
dd { margin: 0; }
.error { background: var(--review-bg); color: var(--review-ink); padding: 8px 12px;
  border-radius: 6px; }
.none { color: var(--pass); }
table.findings { width: 100%; border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; }
table.findings th { text-align: left; color: var(--muted); font-weight: 500;
  border-bottom: 2px solid var(--line); padding: 4px 8px; }
table.findings td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
table.findings td:first-child { white-space: nowrap; }
.file, .evidence { color: var(--muted); font-size: 12px; }
.sev { font-size: 12px; font-weight: 600; white-space: nowrap; }
.sev.fail { color: var(--fail); }
.sev.review { color: var(--review-ink); }
.sev.info { color: var(--info); }
.remarks { margin: 8px 0 12px; }
.remarks-head { display: flex; justify-content: space-between; align-items: center;
  margin-bottom: 4px; font-weight: 600; }
.remarks textarea { width: 100%; font: inherit; font-size: 14px; padding: 8px 10px;
  border: 1px solid var(--line); border-radius: 6px; resize: vertical; background: #fbfcfd; }
.print-only { display: none; }
.scans { display: flex; flex-wrap: wrap; gap: 16px; }
figure.scan-figure { margin: 0; width: 100%; max-width: 520px; }
.scan { position: relative; width: 100%; border: 1px solid var(--line); background: #fafafa; }
.scan img { display: block; width: 100%; height: auto; }
.scan.paged img, .scan svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.overlay rect { fill-opacity: .08; stroke-width: 2.5px; vector-effect: non-scaling-stroke; }
.overlay text { font-family: system-ui, sans-serif; font-weight: 700; paint-order: stroke;
  stroke: #fff; stroke-width: .25em; stroke-linejoin: round; }
.box.fail rect { stroke: var(--fail); fill: var(--fail); }
.box.fail text { fill: var(--fail); }
.box.review rect { stroke: var(--review); fill: var(--review); }
.box.review text { fill: var(--review-ink); }
.box.info rect, .box rect { stroke: var(--info); fill: var(--info); }
.box.info text, .box text { fill: var(--info); }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
@media print {
  body { background: #fff; }
  header.top { position: static; }
  .filters, button { display: none !important; }
  main { max-width: none; padding: 0; }
  section.submission { break-inside: avoid-page; border-width: 1px 1px 1px 5px; }
  .remarks textarea { display: none; }
  .print-only { display: block; white-space: pre-wrap; font: inherit; margin: 0; }
  figure.scan-figure { break-inside: avoid; }
}
)css";

// Filters by verdict; copies a remark (clipboard API where allowed, else the selection).
const char* const kScript = R"js(
document.querySelectorAll('.filters button').forEach(function (button) {
  button.addEventListener('click', function () {
    var filter = button.dataset.filter;
    document.querySelectorAll('.filters button').forEach(function (b) {
      b.classList.toggle('active', b === button);
    });
    document.querySelectorAll('section.submission').forEach(function (s) {
      s.hidden = filter !== 'all' && s.dataset.verdict !== filter;
    });
  });
});
document.querySelectorAll('button.copy').forEach(function (button) {
  button.addEventListener('click', function () {
    var area = document.getElementById(button.dataset.target);
    function done(ok) {
      button.textContent = ok ? '已复制' : '请按 Ctrl+C 复制';
      setTimeout(function () { button.textContent = '复制备注'; }, 1500);
    }
    function fallback() {
      area.focus();
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) {}
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  });
});
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('pre.print-only').forEach(function (pre) {
    pre.textContent = document.getElementById(pre.dataset.for).value;
  });
});
)js";

}  // namespace

std::string render_report_csv(const json& report) {
  std::string out = "\xEF\xBB\xBF";
  csv_row(out, {"batch", "submission", "verdict", "procedure", "enterprise", "uscc", "material",
                "file", "code", "severity", "message"});
  std::string batch = text(report, "batch");
  for (const json& s : list(report, "submissions")) {
    const json& enterprise = field(s, "enterprise");
    std::string procedure = text(s, "procedure_title");
    if (procedure.empty()) procedure = text(s, "procedure");
    std::vector<std::string> head = {batch,
                                     text(s, "id"),
                                     text(s, "verdict"),
                                     procedure,
                                     text(enterprise, "name"),
                                     text(enterprise, "uscc")};
    auto row = [&](const std::string& material, const std::string& file, const std::string& code,
                   const std::string& severity, const std::string& message) {
      auto cells = head;
      cells.insert(cells.end(), {material, file, code, severity, message});
      csv_row(out, cells);
    };
    const json& findings = list(s, "findings");
    if (findings.empty()) row("", "", "", "", text(s, "error"));
    for (const json& f : findings)
      row(text(f, "material"), finding_file(s, f), text(f, "code"), text(f, "severity"),
          text(f, "message"));
  }
  return out;
}

std::string render_report_html(const json& report) {
  std::vector<const json*> submissions;
  for (const json& s : list(report, "submissions")) submissions.push_back(&s);
  std::stable_sort(submissions.begin(), submissions.end(), [](const json* a, const json* b) {
    return verdict_rank(shown_verdict(*a)) < verdict_rank(shown_verdict(*b));
  });
  // Counted from the sections themselves, so the header always agrees with what is listed.
  size_t counts[3] = {0, 0, 0};
  for (const json* s : submissions) ++counts[verdict_rank(shown_verdict(*s))];

  std::string batch = esc(text(report, "batch"));
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>材料核验报告 " +
      batch + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<header class=\"top\">\n";
  out += "<h1>材料核验报告</h1><div class=\"batch\">批次 <code>" + batch + "</code></div>\n";

  std::vector<std::string> meta;
  std::string created = text(report, "created_at");
  if (created.size() > 10 && created[10] == 'T') created[10] = ' ';
  if (!created.empty()) meta.push_back("生成时间 " + esc(created));
  const json& summary = field(report, "summary");
  if (std::string scans = text(summary, "scans"); !scans.empty())
    meta.push_back("扫描件 " + esc(scans) + " 份");
  if (const json& seconds = field(summary, "seconds"); seconds.is_number())
    meta.push_back("用时 " + num(std::round(seconds.get<double>() * 10) / 10) + " 秒");
  std::string inputs;
  for (const json& i : list(report, "inputs")) {
    if (!inputs.empty()) inputs += "、";
    inputs += esc(text(i));
  }
  if (!inputs.empty()) meta.push_back("输入 " + inputs);
  out += "<div class=\"meta\">";
  for (size_t i = 0; i < meta.size(); ++i) {
    if (i) out += " · ";
    out += meta[i];
  }
  out += "</div>\n<div class=\"counts\">";
  static const std::pair<const char*, int> kCounts[] = {{"pass", 2}, {"fail", 0}, {"review", 1}};
  for (auto [verdict, rank] : kCounts)
    out += "<div class=\"count " + std::string(verdict) + "\"><b>" + std::to_string(counts[rank]) +
           "</b>" + verdict_label(verdict) + "</div>";
  out += "<div class=\"count total\"><b>" + std::to_string(submissions.size()) +
         "</b>件申请</div></div>\n<nav class=\"filters\">";
  static const std::pair<const char*, const char*> kFilters[] = {
      {"all", "全部"}, {"fail", "未通过"}, {"review", "需人工复核"}, {"pass", "通过"}};
  for (auto [filter, label] : kFilters)
    out += "<button type=\"button\" data-filter=\"" + std::string(filter) + "\"" +
           (std::string_view(filter) == "all" ? " class=\"active\"" : "") + ">" + label +
           "</button> ";
  out += "</nav>\n</header>\n<main>\n";
  for (size_t i = 0; i < submissions.size(); ++i) render_submission(out, *submissions[i], i);
  if (submissions.empty()) out += "<p class=\"none\">本批次没有申请。</p>\n";
  out += "</main>\n<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return out;
}

Result<bool> write_batch_report(const json& report, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec && !fs::is_directory(dir, ec) && !ec)
    ec = std::make_error_code(std::errc::not_a_directory);
  if (ec) return Error{"cannot create report directory '" + dir.string() + "': " + ec.message()};

  struct Output {
    fs::path path, temp;
    std::string content;
  };
  std::string suffix = "." + std::to_string(::getpid()) + ".tmp";
  std::vector<Output> outputs;
  auto add = [&](const std::string& name, std::string content) {
    outputs.push_back({dir / name, dir / ("." + name + suffix), std::move(content)});
  };
  // Invalid UTF-8 in a string is replaced rather than thrown on: the report is still written.
  add("report.json", report.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
  add("report.csv", render_report_csv(report));
  add("report.html", render_report_html(report));

  // All three are complete on disk before any is published, so a failure while writing leaves
  // the previous report as it was; only a failing rename can leave the three out of step.
  auto remove_temps = [&outputs] {
    std::error_code ignored;
    for (const Output& o : outputs) fs::remove(o.temp, ignored);
  };
  for (const Output& o : outputs) {
    if (auto error = write_synced(o.temp, o.content, "report file")) {
      remove_temps();
      return *error;
    }
  }
  for (const Output& o : outputs) {
    fs::rename(o.temp, o.path, ec);
    if (ec) {
      remove_temps();
      return Error{"cannot write report file '" + o.path.string() + "': " + ec.message()};
    }
  }
  return true;
}

}  // namespace keydesk
