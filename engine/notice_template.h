// Notice texts with placeholders: the subject and body of a notice in a rule file name facts of
// the case in braces, filled in when the action puts the notice in the outbox.
//
//   subject: "{key.login_username}解锁"   ->   "bjsl001解锁"
//
// Only the placeholders listed by notice_placeholders() exist (lint reports any other at its
// file:line:column); `{{` and `}}` stand for a brace itself. ID numbers are deliberately not among
// them: a notice travels by e-mail.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace keydesk {

struct Placeholder {
  const char* name;   // enterprise.name
  const char* title;  // 企业名称
};

// Every placeholder a notice may use, in the order docs list them.
const std::vector<Placeholder>& notice_placeholders();

// "{enterprise.name}、{key.login_username}…": for messages.
std::string placeholder_list();

// A problem in a notice text: where it starts (byte offset into the text), the text at fault
// ("{key.username}", or "{" when a brace is not closed) and what to do, in Chinese.
struct TemplateProblem {
  std::size_t offset = 0;
  std::string text;
  std::string message;
};

// The problems of `text` as a notice subject or body: unknown placeholders, unclosed braces.
std::vector<TemplateProblem> template_problems(const std::string& text);

// What a notice says once filled in. `facts` are the action's facts (registry.h case_facts),
// with case.due (the deadline of the state entered, YYYY-MM-DD or null) and procedure.title.
// A fact the case lacks is left empty; a line break in a value becomes a space in a `subject`.
std::string render_notice_text(const std::string& text, const nlohmann::json& facts, bool subject);

// 2026-12-04 -> 2026年12月4日 (any other text is returned as it is).
std::string chinese_date(const std::string& iso_date);

}  // namespace keydesk
