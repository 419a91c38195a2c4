#include "server/queue_pages.h"

namespace keydesk::server {

std::uint64_t QueuePages::look(bool changed) {
  std::lock_guard lock(mutex_);
  if (changed) {
    ++edition_;
    pages_.clear();
  }
  return edition_;
}

std::shared_ptr<const std::string> QueuePages::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto kept = pages_.find(key);
  return kept == pages_.end() ? nullptr : kept->second;
}

void QueuePages::keep(std::uint64_t edition, const std::string& key, std::string page) {
  if (!enabled_) return;
  auto kept = std::make_shared<const std::string>(std::move(page));
  std::lock_guard lock(mutex_);
  if (edition != edition_) return;
  if (pages_.size() >= kKept) pages_.clear();
  pages_.insert_or_assign(key, std::move(kept));
}

}  // namespace keydesk::server
