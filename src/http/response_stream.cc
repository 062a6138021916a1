#include "http/response_stream.h"

namespace muster::http {

void ResponseStream::Begin(Response head) {
  std::lock_guard lock(mutex_);
  begun_ = true;
  head_ = std::move(head);
}

Status ResponseStream::Journal(std::vector<access::AccessEntry> entries) {
  std::unique_lock lock(mutex_);
  if (failure_) return *failure_;
  const uint64_t index = commits_.size();
  commits_.push_back(Commit::kWaiting);
  lock.unlock();
  // Outside the lock: the journal may report at once, on this thread.
  journal_(std::move(entries),
           [self = shared_from_this(), index](Status status) { self->Committed(index, status); });
  return Status::Ok();
}

Status ResponseStream::Write(std::string_view chunk) {
  std::unique_lock lock(mutex_);
  if (failure_) return *failure_;
  if (chunk.empty()) return Status::Ok();
  const uint64_t journalled_before = commits_.size();
  if (!pending_.empty() && pending_.back().journalled_before == journalled_before) {
    pending_.back().bytes.append(chunk);
  } else {
    pending_.push_back({std::string(chunk), journalled_before});
  }
  WakeIfReady(lock);
  return Status::Ok();
}

void ResponseStream::Committed(uint64_t index, const Status& status) {
  std::unique_lock lock(mutex_);
  ++resolved_;
  if (status.ok()) {
    commits_[index] = Commit::kCommitted;
    while (committed_prefix_ < commits_.size() &&
           commits_[committed_prefix_] == Commit::kCommitted) {
      ++committed_prefix_;
    }
  } else {
    commits_[index] = Commit::kFailed;
    // The store's own message stays in the server's logs, not in the client's answer.
    if (!failure_) {
      failure_ = Unavailable(
          "access journal: the answer could not be recorded, so no more of it is disclosed; "
          "retry");
    }
  }
  WakeIfReady(lock);
}

void ResponseStream::Finish(Response returned) {
  std::unique_lock lock(mutex_);
  finished_ = true;
  if (begun_ && returned.result_int() / 100 != 2) handler_failed_ = true;
  returned_ = std::move(returned);
  WakeIfReady(lock);
}

void ResponseStream::Cancel(Status reason) {
  std::unique_lock lock(mutex_);
  if (!failure_) failure_ = std::move(reason);
  WakeIfReady(lock);
}

bool ResponseStream::ReadyLocked() const {
  // A failed stream is reported once nothing refers to it any more: the handler has returned
  // and the journal has answered every append.
  if (FailedLocked()) return finished_ && resolved_ == commits_.size();
  if (!begun_) return finished_;
  if (!pending_.empty() && pending_.front().journalled_before <= committed_prefix_) return true;
  return finished_ && pending_.empty() && committed_prefix_ == commits_.size();
}

std::optional<ResponseStream::Step> ResponseStream::Take() {
  std::lock_guard lock(mutex_);
  if (!ReadyLocked()) return std::nullopt;
  Step step;
  if (FailedLocked()) {
    step.kind = Step::Kind::kFailed;
    step.response = failure_ ? ProblemResponse(ProblemFromStatus(*failure_), 11, true) : returned_;
    return step;
  }
  if (!begun_) {
    step.kind = Step::Kind::kWhole;
    step.response = std::move(returned_);
    return step;
  }
  step.kind = Step::Kind::kChunks;
  step.head = std::move(head_);
  head_.reset();
  // One journalled chunk per step (and so per HTTP chunk), even when several may go.
  if (!pending_.empty() && pending_.front().journalled_before <= committed_prefix_) {
    step.chunks = std::move(pending_.front().bytes);
    pending_.pop_front();
  }
  step.complete = finished_ && pending_.empty() && committed_prefix_ == commits_.size();
  return step;
}

void ResponseStream::NotifyWhenReady(std::function<void()> wake) {
  std::unique_lock lock(mutex_);
  wake_ = std::move(wake);
  WakeIfReady(lock);
}

void ResponseStream::WakeIfReady(std::unique_lock<std::mutex>& lock) {
  if (!wake_ || !ReadyLocked()) return;
  std::function<void()> wake = std::move(wake_);
  wake_ = nullptr;
  lock.unlock();
  wake();
}

}  // namespace muster::http
