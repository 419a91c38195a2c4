#include "engine/graph.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include <sstream>

namespace keydesk {

namespace {

std::string state_label(const StateRule& s) {
  std::string label = s.title;
  if (s.deadline_days > 0) label += "\\n" + std::to_string(s.deadline_days) + " 个工作日";
  if (!s.carry_from.empty()) label += "\\n(期限同 " + s.carry_from + ")";
  if (s.waits_on_enterprise) label += "\\n(等待企业，计时暂停)";
  return label;
}

std::string roles_of(const Procedure& p, const ActionRule& a) {
  std::string out;
  for (const auto& r : a.roles) out += (out.empty() ? "" : "/") + p.role_title(r);
  return out;
}

std::string dot_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string procedure_dot(const Procedure& p) {
  std::ostringstream out;
  out << "digraph \"" << p.id << "\" {\n"
      << "  label=\"" << dot_escape(p.title) << " (" << p.id << ")\";\n  labelloc=t;\n"
      << "  rankdir=TB;\n  fontname=\"WenQuanYi Zen Hei,Noto Sans CJK SC,sans-serif\";\n"
      << "  node [shape=box, style=rounded, fontname=\"WenQuanYi Zen Hei,Noto Sans CJK "
         "SC,sans-serif\"];\n"
      << "  edge [fontname=\"WenQuanYi Zen Hei,Noto Sans CJK SC,sans-serif\", fontsize=10];\n"
      << "  __start [shape=point];\n";
  for (const StartRule& r : p.starts) {
    out << "  __start -> " << r.state;
    if (r.when) out << " [label=\"" << dot_escape(r.when->text()) << "\", fontsize=9]";
    out << ";\n";
  }
  for (const auto& s : p.states) {
    out << "  " << s.id << " [label=\"" << dot_escape(state_label(s)) << "\"";
    if (s.final) out << ", peripheries=2";
    if (s.waits_on_enterprise) out << ", style=\"rounded,dashed\"";
    out << "];\n";
  }
  for (const auto& a : p.actions)
    for (const auto& from : a.from) {
      std::string label = a.title;
      if (!a.outcome.empty() && a.outcome != a.title) label += "（" + a.outcome + "）";
      label += "\\n[" + roles_of(p, a) + "]";
      out << "  " << from << " -> " << a.to << " [label=\"" << dot_escape(label) << "\"";
      if (!a.outcome.empty() && is_failing_outcome(a.outcome)) out << ", color=red, fontcolor=red";
      out << "];\n";
    }
  out << "}\n";
  return out.str();
}

std::string procedure_mermaid(const Procedure& p) {
  auto text = [](std::string s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 2, "\\n") == 0) {
        out += "<br/>";
        ++i;
      } else if (s[i] == '"') {
        out += "#quot;";
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::ostringstream out;
  out << "---\ntitle: " << p.title << " (" << p.id << ")\n---\nstateDiagram-v2\n";
  for (const auto& s : p.states) out << "  " << s.id << " : " << text(state_label(s)) << '\n';
  for (const StartRule& r : p.starts)
    out << "  [*] --> " << r.state << (r.when ? " : " + text(r.when->text()) : std::string())
        << '\n';
  for (const auto& a : p.actions)
    for (const auto& from : a.from)
      out << "  " << from << " --> " << a.to << " : " << text(a.title) << " [" << roles_of(p, a)
          << "]\n";
  for (const auto& s : p.states)
    if (s.final) out << "  " << s.id << " --> [*]\n";
  return out.str();
}

Result<std::string> dot_to_svg(const std::string& dot_text) {
  char tmpl[] = "/tmp/keydesk-graph-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return Error{"cannot create a temporary file for Graphviz"};
  std::string path = tmpl;
  { std::ofstream(path, std::ios::binary) << dot_text; }
  std::string cmd = "dot -Tsvg '" + path + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  if (pipe) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  }
  int status = pipe ? pclose(pipe.release()) : -1;
  std::remove(path.c_str());
  close(fd);
  if (status != 0)
    return Error{
        "Graphviz 'dot' failed (is the graphviz package installed? scripts/install-deps.sh "
        "installs it): " +
        out.substr(0, 300)};
  return out;
}

}  // namespace keydesk
