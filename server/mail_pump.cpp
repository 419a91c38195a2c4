#include "server/mail_pump.h"

#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "engine/case_store.h"
#include "engine/engine.h"

namespace keydesk::server {

struct MailPump::Impl {
  AppOptions options;
  std::chrono::milliseconds interval;
  CaseStore store;
  Engine engine;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;

  Impl(AppOptions o, std::chrono::milliseconds i, CaseStore s)
      : options(std::move(o)),
        interval(i),
        store(std::move(s)),
        engine(store, options.rules_dir, options.counter) {}

  void log(const std::string& line) const {
    if (options.log)
      options.log(line);
    else
      std::fprintf(stderr, "keydesk serve: %s\n", line.c_str());
  }

  void report(const MailRound& round) const {
    if (round.digest) {
      if (!*round.digest) {
        log("digest not queued: " + round.digest->error().message);
      } else {
        for (const auto& d : (*round.digest)->digests)
          log("digest " + format_date((*round.digest)->day) + " for " + d.whose + ": " +
              std::to_string(d.overdue) + " overdue, " + std::to_string(d.due_today) +
              " due today, " + std::to_string(d.queued) + " message(s) queued");
        for (const auto& d : (*round.digest)->unaddressed)
          log("digest: " + d.whose +
              " has overdue or due-today cases but no address under "
              "digest: in counter.yaml");
      }
    }
    if (!round.delivery) {
      log("mail not sent: " + round.delivery.error().message);
      return;
    }
    for (const auto& l : round.delivery->lines)
      log("mail " + l.outcome + ": #" + std::to_string(l.item.id) + " " +
          (l.item.case_id.empty() ? std::string("digest") : "case " + l.item.case_id) + " to " +
          l.item.message.to + (l.detail.empty() ? "" : " (" + l.detail + ")"));
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      lock.unlock();
      report(engine.mail_round(options.clock()));
      lock.lock();
      wake.wait_for(lock, interval, [this] { return stopping; });
    }
  }
};

MailPump::MailPump(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MailPump::~MailPump() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<MailPump>> MailPump::start(const AppOptions& given,
                                                  std::chrono::milliseconds interval) {
  AppOptions options = given;
  if (!options.clock) options.clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  auto store = CaseStore::open(options.db);
  if (!store) return store.error();
  auto impl = std::make_unique<Impl>(options, interval, std::move(store).value());
  if (smtp_url_in_force(options.counter.mail).empty())
    impl->log(
        "mail: no SMTP server configured (mail.smtp_url in counter.yaml, or KEYDESK_SMTP_URL): "
        "notices wait in the outbox");
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<MailPump>(new MailPump(std::move(impl)));
}

}  // namespace keydesk::server
