// Rule files as hostile input: whatever size, depth or alias expansion a file asks for, it is
// refused with a diagnostic at file:line:column, quickly and in bounded memory, never a crash or
// a hang. Each hostile file is read in a child process with its address space and CPU time
// capped, so code without the limits fails the test (killed or out of memory) instead of taking
// the machine's memory with it.
#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "engine/calendar.h"
#include "engine/internal/yaml_document.h"
#include "engine/procedure.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

// What a child process running `f` printed, or why it did not finish.
struct Bounded {
  bool finished = false;  // exited normally, having written `out`
  std::string out;
  std::string death;  // otherwise: the signal or exit status
};

// This process's address space in bytes (/proc/self/statm counts pages).
std::size_t address_space() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Runs `f` in a child with `memory` bytes of address space beyond what this process has and
// `cpu_seconds` of CPU time. Without limits, an alias bomb takes gigabytes: the child then dies
// of std::bad_alloc (SIGABRT) or SIGXCPU instead.
Bounded run_bounded(const std::function<std::string()>& f, std::size_t memory, rlim_t cpu_seconds) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  std::size_t limit = address_space() + memory;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(pipe_fds[0]);
    rlimit as{limit, limit};
    rlimit cpu{cpu_seconds, cpu_seconds};
    setrlimit(RLIMIT_AS, &as);
    setrlimit(RLIMIT_CPU, &cpu);
    std::string out = f();
    for (std::size_t done = 0; done < out.size();) {
      ssize_t n = write(pipe_fds[1], out.data() + done, out.size() - done);
      if (n <= 0) _exit(3);
      done += static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  close(pipe_fds[1]);
  Bounded r;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    r.out.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  r.finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (WIFSIGNALED(status))
    r.death = std::string("killed by ") + strsignal(WTERMSIG(status));
  else if (!r.finished)
    r.death = "exit status " + std::to_string(WEXITSTATUS(status));
  return r;
}

constexpr std::size_t kMemory = std::size_t{512} << 20;  // what a refused file may take, and more
constexpr rlim_t kSeconds = 20;                          // CPU seconds, on a slow shared machine

// "line:column: message" per diagnostic.
std::string listed(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message + "\n";
  return out;
}

std::string procedure_problems(const std::string& text) {
  auto p = parse_procedure(text, "/rules/procedures/t.yaml");
  return p ? "ok" : listed(p.error().diagnostics);
}

std::string calendar_problems(const std::string& text) {
  test::TempDir dir;
  dir.write("t.yaml", text);
  auto cal = WorkingCalendar::load(dir.path(), "t");
  return cal ? "ok" : listed(cal.error().diagnostics) + cal.error().message;
}

// `levels` anchors, from line `first_line` on, each a list of `fanout` uses of the one before:
// fanout^levels values once expanded (9^9: 387 million, gigabytes as JSON with marks).
std::string alias_bomb(int levels, int fanout) {
  std::string text = "l0: &l0 [";
  for (int k = 0; k < fanout; ++k) text += k ? ", lol" : "lol";
  text += "]\n";
  for (int level = 1; level < levels; ++level) {
    std::string name = "l" + std::to_string(level), previous = "l" + std::to_string(level - 1);
    text += name + ": &" + name + " [";
    for (int k = 0; k < fanout; ++k) text += (k ? ", *" : "*") + previous;
    text += "]\n";
  }
  return text;
}

const char* const kTooMany = "内容过多：展开后超过 100000 个值";

}  // namespace

TEST_CASE("an alias bomb in a procedure file is refused quickly, at the line using the aliases") {
  // Lines 3.. hold l0..l8; l0..l4 expand to 74,732 values, l5 to 597,871: the limit is passed
  // inside line 8's aliases, reported at its anchor &l5 (column 5).
  std::string text = "id: t\ntitle: 测试\n" + alias_bomb(9, 9);
  auto r = run_bounded([&] { return procedure_problems(text); }, kMemory, kSeconds);
  INFO(r.death);
  REQUIRE(r.finished);
  CHECK_THAT(r.out, Catch::StartsWith(std::string("8:5: ") + kTooMany) &&
                        Catch::Contains("别名（*名称）") &&
                        Catch::Contains("(more than 100000 values"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

TEST_CASE("an alias bomb in a calendar file is refused quickly, at the line using the aliases") {
  std::string text = "id: t\ntitle: test\nyears: []\n" + alias_bomb(9, 9);
  auto r = run_bounded([&] { return calendar_problems(text); }, kMemory, kSeconds);
  INFO(r.death);
  REQUIRE(r.finished);
  CHECK_THAT(r.out, Catch::StartsWith(std::string("9:5: ") + kTooMany));
}

TEST_CASE("aliases used a moderate number of times still load") {
  // 5 levels of 5: 781 values, far below the limit; the schema then refuses the unknown keys.
  std::string out = procedure_problems("id: t\ntitle: 测试\n" + alias_bomb(5, 5));
  CHECK_THAT(out, !Catch::Contains("内容过多") && Catch::Contains("未知的键“l0”"));
}

TEST_CASE("an anchor holding its own alias is refused as too deep, not followed forever") {
  auto r =
      run_bounded([] { return procedure_problems("id: t\nloop: &a [*a]\n"); }, kMemory, kSeconds);
  INFO(r.death);
  REQUIRE(r.finished);
  CHECK(r.out ==
        "2:7: 嵌套过深：超过 64 层，请减少嵌套；别名（*名称）展开后的层数也算在内，锚点不能包含引用"
        "自身的别名 (nested more than 64 lists and mappings deep once aliases are expanded)\n");
}

TEST_CASE("lists nested deeper than 64 are refused at the first one too deep") {
  // The k-th '[' is at depth k (the top-level mapping is depth 0) and column 3 + k.
  std::string deep = "x: " + std::string(100, '[') + std::string(100, ']') + "\n";
  CHECK_THAT(procedure_problems(deep), Catch::StartsWith("1:68: 嵌套过深：超过 64 层"));
  std::string fits = "x: " + std::string(64, '[') + std::string(64, ']') + "\n";
  CHECK_THAT(procedure_problems(fits), !Catch::Contains("嵌套过深"));
}

TEST_CASE("aliases under long keys nested deep are refused for the bytes their paths take") {
  // 10,100 values, below the count limit; but each sits under 60 keys of 1,000 bytes (the most
  // an implicit key may have), and the path its mark is kept under repeats them: 60 KB a value,
  // 600 MB in all.
  std::string zeros = "[0";
  for (int k = 1; k < 100; ++k) zeros += ", 0";
  zeros += "]";
  std::string uses = "[*z";
  for (int k = 1; k < 100; ++k) uses += ", *z";
  uses += "]";
  std::string key(1000, 'k'), deep;
  for (int level = 0; level < 60; ++level) deep += "{" + key + ": ";
  deep += uses + std::string(60, '}');
  std::string text = "id: t\nz: &z " + zeros + "\ndeep: " + deep + "\n";
  REQUIRE(text.size() < internal::YamlDocument::kMaxFileBytes);
  auto r = run_bounded([&] { return procedure_problems(text); }, kMemory, kSeconds);
  INFO(r.death);
  REQUIRE(r.finished);
  CHECK_THAT(r.out, Catch::StartsWith("3:") && Catch::Contains("内容过多：展开后超过 32 MiB"));
}

TEST_CASE("a rule file larger than 1 MiB is refused before it is parsed") {
  test::TempDir dir;
  std::string text = "id: t\n";
  text += "# " + std::string(internal::YamlDocument::kMaxFileBytes, 'x') + "\n";
  auto path = dir.write("procedures/t.yaml", text);
  auto p = load_procedure(path);
  REQUIRE(!p);
  REQUIRE(p.error().diagnostics.size() == 1);
  const Diagnostic& d = p.error().diagnostics[0];
  CHECK(d.file == path.string());
  CHECK(d.line == 0);  // the whole file
  CHECK_THAT(d.message, Catch::StartsWith("文件过大（1048585 字节），最多 1 MiB") &&
                            Catch::Contains("(a rule or input file may have at most 1048576 "
                                            "bytes)"));
  // The same through the text interface (a calendar edit sent to the server).
  Diagnostics out;
  CHECK(!internal::YamlDocument::parse(text, "t.yaml", out));
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].message, Catch::StartsWith("文件过大"));
}

TEST_CASE("a file that never ends is read only up to the limit") {
  auto r = run_bounded(
      [] {
        Diagnostics out;
        auto text = internal::YamlDocument::read("/dev/zero", out);
        return (text ? std::string("read") : std::string()) + listed(out);
      },
      kMemory, kSeconds);
  INFO(r.death);
  REQUIRE(r.finished);
  CHECK_THAT(r.out, Catch::StartsWith("0:0: 文件过大（超过 1048576 字节）"));
}

TEST_CASE("a value longer than 8 KiB is refused at its place") {
  // The validator matches ids against a pattern with std::regex, which would overflow the stack
  // on 100,000 characters.
  auto r = run_bounded([] { return procedure_problems("id: " + std::string(100000, 'a') + "\n"); },
                       kMemory, kSeconds);
  INFO(r.death);
  REQUIRE(r.finished);
  CHECK(
      r.out ==
      "1:5: 这个值太长：100000 字节，一个值或键最多 8192 字节，请缩短 (a value or key may have at "
      "most 8192 bytes)\n");
}

TEST_CASE("an aliased value that is too long is reported once, where it is written") {
  std::string text = "a: &a " + std::string(9000, 'x') + "\nb: [*a, *a, *a]\n";
  std::string out = procedure_problems(text);
  CHECK_THAT(out, Catch::StartsWith("1:4: 这个值太长：9000 字节"));  // at its anchor
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
}

TEST_CASE("rules lint names the file, line, column, field and range of a deadline out of range") {
  test::TempDir dir;
  std::filesystem::copy(KEYDESK_RULES_DIR, dir.path() / "rules",
                        std::filesystem::copy_options::recursive);
  auto file = dir.path() / "rules" / "procedures" / "t.yaml";
  dir.write("rules/procedures/t.yaml", R"(id: t
title: 测试
calendar: counter
roles: { clerk: 经办人 }
start: review
states:
  review: { title: 核验, actor: clerk, deadline: 4294967297 }
  done: { title: 办结, final: true }
actions:
  - { id: pass, title: 核验通过, from: [review], to: done, roles: [clerk] }
)");
  auto run = test::run_keydesk("--rules '" + (dir.path() / "rules").string() +
                               "' rules lint --today 2026-06-01");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.out, Catch::Contains(file.string() +
                                      ":7:48: error: deadline: 4294967297 超出范围：须为 1 到 "
                                      "365 之间的整数（自进入该状态起算的工作日数）\n") &&
                          Catch::Contains("共 1 处错误"));
}
