// ScanResult <-> JSON: the form kept in a batch database and shown in reports.
#include "ocr/scan.h"

#include <algorithm>
#include <iterator>

namespace keydesk::ocr {
namespace {

nlohmann::json box_json(const Box& b) { return nlohmann::json::array({b.x, b.y, b.w, b.h}); }

Box box_from(const nlohmann::json& j) {
  if (!j.is_array() || j.size() != 4) return {};
  return {j[0].get<int>(), j[1].get<int>(), j[2].get<int>(), j[3].get<int>()};
}

constexpr SealNameCheck::Verdict kSealVerdicts[] = {
    SealNameCheck::Verdict::same, SealNameCheck::Verdict::other, SealNameCheck::Verdict::doubtful,
    SealNameCheck::Verdict::unsure};

const char* seal_verdict_name(SealNameCheck::Verdict v) {
  switch (v) {
    case SealNameCheck::Verdict::same:
      return "same";
    case SealNameCheck::Verdict::other:
      return "other";
    case SealNameCheck::Verdict::doubtful:
      return "doubtful";
    case SealNameCheck::Verdict::unsure:
      return "unsure";
  }
  return "unsure";
}

}  // namespace

nlohmann::json scan_result_json(const ScanResult& r) {
  nlohmann::json j = {{"readable", r.readable},
                      {"problem", r.problem},
                      {"source", {{"width", r.source_width}, {"height", r.source_height}}},
                      {"page", {{"width", r.width}, {"height", r.height}}},
                      {"rotation", r.rotation},
                      {"skew_degrees", r.skew_degrees},
                      {"scale", r.scale},
                      {"detected_type", r.detected_type},
                      {"type_score", r.type_score},
                      {"ink_share", r.ink_share}};
  j["lines"] = nlohmann::json::array();
  for (const TextLine& l : r.lines)
    j["lines"].push_back(
        {{"box", box_json(l.box)}, {"text", l.text}, {"confidence", l.confidence}});
  j["seals"] = nlohmann::json::array();
  for (const SealMark& s : r.seals) {
    nlohmann::json seal = {{"box", box_json(s.box)},   {"red", s.red},
                           {"roundness", s.roundness}, {"fill", s.fill},
                           {"text", s.text},           {"text_confidence", s.text_confidence}};
    if (const auto& c = s.name_check) {
      nlohmann::json differences = nlohmann::json::array();
      for (const auto& d : c->differences)
        differences.push_back({{"read", d.read},
                               {"expected", d.expected},
                               {"read_likeness", d.read_likeness},
                               {"form_likeness", d.form_likeness},
                               {"clearly_other", d.clearly_other}});
      seal["name_check"] = {{"expected", c->expected},
                            {"read_as_name", c->read_as_name},
                            {"drawn_as_name", c->drawn_as_name},
                            {"differences", std::move(differences)},
                            {"foreign_word", c->foreign_word},
                            {"verdict", seal_verdict_name(c->verdict)},
                            {"brand", c->brand},
                            {"brand_missing", c->brand_missing}};
    }
    if (s.print.bins > 0) seal["print"] = {{"bins", s.print.bins}, {"ink", s.print.ink}};
    j["seals"].push_back(std::move(seal));
  }
  j["signatures"] = nlohmann::json::array();
  for (const SignatureMark& s : r.signatures)
    j["signatures"].push_back({{"signer", s.signer},
                               {"label", s.label},
                               {"label_box", box_json(s.label_box)},
                               {"region", box_json(s.region)},
                               {"present", s.present},
                               {"ink", s.ink}});
  j["fields"] = nlohmann::json::array();
  for (const FieldRead& f : r.fields)
    j["fields"].push_back({{"field", f.field},
                           {"text", f.text},
                           {"box", box_json(f.box)},
                           {"confidence", f.confidence}});
  j["ticks"] = nlohmann::json::array();
  for (const TickMark& t : r.ticks)
    j["ticks"].push_back({{"item", t.item},
                          {"box", box_json(t.box)},
                          {"read", t.read},
                          {"ticked", t.ticked},
                          {"empty", t.empty}});
  j["glyph_checks"] = nlohmann::json::array();
  for (const GlyphCheck& g : r.glyph_checks) {
    nlohmann::json likeness = nlohmann::json::array();
    for (const auto& [read, form] : g.likeness) likeness.push_back({read, form});
    nlohmann::json rivals = nlohmann::json::array();
    for (const auto& [character, like] : g.rivals) rivals.push_back({character, like});
    j["glyph_checks"].push_back({{"field", g.field},
                                 {"read", g.read},
                                 {"expected", g.expected},
                                 {"box", box_json(g.box)},
                                 {"likeness", likeness},
                                 {"rivals", rivals},
                                 {"taken", g.taken},
                                 {"read_again", g.read_again}});
  }
  j["places"] = nlohmann::json::array();
  for (const PagePlace& p : r.places) j["places"].push_back({p.x, p.y});
  return j;
}

std::optional<ScanResult> scan_result_from_json(const nlohmann::json& j) {
  try {
    ScanResult r;
    r.readable = j.at("readable").get<bool>();
    r.problem = j.at("problem").get<std::string>();
    r.source_width = j.at("source").at("width").get<int>();
    r.source_height = j.at("source").at("height").get<int>();
    r.width = j.at("page").at("width").get<int>();
    r.height = j.at("page").at("height").get<int>();
    r.rotation = j.at("rotation").get<int>();
    r.skew_degrees = j.at("skew_degrees").get<double>();
    r.scale = j.at("scale").get<double>();
    r.detected_type = j.at("detected_type").get<std::string>();
    r.type_score = j.at("type_score").get<double>();
    r.ink_share = j.at("ink_share").get<double>();
    for (const auto& l : j.at("lines"))
      r.lines.push_back({box_from(l.at("box")), l.at("text").get<std::string>(),
                         l.at("confidence").get<float>()});
    for (const auto& s : j.at("seals")) {
      SealMark seal{box_from(s.at("box")),
                    s.at("red").get<bool>(),
                    s.at("roundness").get<double>(),
                    s.at("fill").get<double>(),
                    s.at("text").get<std::string>(),
                    s.at("text_confidence").get<float>(),
                    std::nullopt,
                    {}};
      if (s.contains("name_check")) {
        const nlohmann::json& c = s.at("name_check");
        SealNameCheck check;
        check.expected = c.at("expected").get<std::string>();
        if (!c.at("read_as_name").is_number_unsigned() ||
            !c.at("drawn_as_name").is_number_unsigned())
          return std::nullopt;  // get<size_t> would take −1 as a huge count
        check.read_as_name = c.at("read_as_name").get<size_t>();
        check.drawn_as_name = c.at("drawn_as_name").get<size_t>();
        for (const auto& d : c.at("differences"))
          check.differences.push_back(
              {d.at("read").get<std::string>(), d.at("expected").get<std::string>(),
               d.at("read_likeness").get<double>(), d.at("form_likeness").get<double>(),
               d.at("clearly_other").get<bool>()});
        check.foreign_word = c.value("foreign_word", std::string());
        check.brand = c.value("brand", std::string());
        check.brand_missing = c.value("brand_missing", false);
        // A verdict that is none of the four makes the whole result unreadable (redone), not
        // an "unsure" seal.
        const std::string verdict = c.at("verdict").get<std::string>();
        const auto named = std::find_if(
            std::begin(kSealVerdicts), std::end(kSealVerdicts),
            [&verdict](SealNameCheck::Verdict v) { return verdict == seal_verdict_name(v); });
        if (named == std::end(kSealVerdicts)) return std::nullopt;
        check.verdict = *named;
        seal.name_check = std::move(check);
      }
      if (s.contains("print")) {
        // A print whose bins are not a count that fits, or whose ink is not their rows of
        // digits, makes the result unreadable (redone), as a verdict none of the four does.
        const nlohmann::json& p = s.at("print");
        if (!p.is_object() || !p.at("bins").is_number_integer() || !p.at("ink").is_string() ||
            p.at("bins").get<long long>() < 1 || p.at("bins").get<long long>() > 3600)
          return std::nullopt;
        seal.print = {p.at("bins").get<int>(), p.at("ink").get<std::string>()};
        if (!seal.print.well_formed()) return std::nullopt;
      }
      r.seals.push_back(std::move(seal));
    }
    for (const auto& s : j.at("signatures"))
      r.signatures.push_back({s.at("signer").get<std::string>(), s.at("label").get<std::string>(),
                              box_from(s.at("label_box")), box_from(s.at("region")),
                              s.at("present").get<bool>(), s.at("ink").get<double>()});
    for (const auto& f : j.at("fields"))
      r.fields.push_back({f.at("field").get<std::string>(), f.at("text").get<std::string>(),
                          box_from(f.at("box")), f.at("confidence").get<float>()});
    for (const auto& t : j.value("ticks", nlohmann::json::array()))
      r.ticks.push_back({t.at("item").get<std::string>(), box_from(t.at("box")),
                         t.at("read").get<std::string>(), t.at("ticked").get<bool>(),
                         t.at("empty").get<bool>()});
    for (const auto& g : j.value("glyph_checks", nlohmann::json::array())) {
      GlyphCheck check{g.at("field").get<std::string>(),
                       g.at("read").get<std::string>(),
                       g.at("expected").get<std::string>(),
                       box_from(g.at("box")),
                       {},
                       {},
                       g.at("taken").get<bool>(),
                       g.value("read_again", std::string())};
      for (const auto& l : g.at("likeness"))
        check.likeness.emplace_back(l.at(0).get<double>(), l.at(1).get<double>());
      for (const auto& l : g.value("rivals", nlohmann::json::array()))
        check.rivals.emplace_back(l.at(0).get<std::string>(), l.at(1).get<double>());
      r.glyph_checks.push_back(std::move(check));
    }
    for (const auto& p : j.value("places", nlohmann::json::array()))
      r.places.push_back({p.at(0).get<float>(), p.at(1).get<float>()});
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace keydesk::ocr
