#include "enforcement/tailer.h"

namespace muster::enforcement {

Result<std::unique_ptr<Tailer>> Tailer::Start(MeasureIndex& index,
                                              std::unique_ptr<Connection> connection,
                                              TailerOptions options) {
  if (options.interval.count() < 1 || options.interval.count() > 250) {
    return InvalidArgument("interval: must be 1..250 ms for one-second visibility, got " +
                           std::to_string(options.interval.count()) + " ms");
  }
  if (connection == nullptr) return InvalidArgument("connection: required");
  std::unique_ptr<Tailer> tailer(new Tailer(index, std::move(connection), options));
  tailer->thread_ = std::thread([raw = tailer.get()] { raw->Run(); });
  return tailer;
}

Tailer::Tailer(MeasureIndex& index, std::unique_ptr<Connection> connection, TailerOptions options)
    : index_(index), connection_(std::move(connection)), options_(options) {}

Tailer::~Tailer() { Stop(); }

void Tailer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  applied_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Tailer::Poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

Status Tailer::WaitFor(int64_t seq, std::chrono::milliseconds timeout) {
  Poke();
  std::unique_lock lock(mutex_);
  bool reached =
      applied_.wait_for(lock, timeout, [&] { return stopping_ || index_.applied_seq() >= seq; });
  if (reached && index_.applied_seq() >= seq) return Status::Ok();
  std::string message = "measure index: seq " + std::to_string(seq) + " not applied within " +
                        std::to_string(timeout.count()) + " ms (at " +
                        std::to_string(index_.applied_seq()) + ")";
  if (!last_status_.ok()) message += "; last catch-up: " + last_status_.ToString();
  return Unavailable(message);
}

Status Tailer::last_status() const {
  std::lock_guard lock(mutex_);
  return last_status_;
}

int64_t Tailer::catch_ups() const {
  std::lock_guard lock(mutex_);
  return catch_ups_;
}

Status Tailer::CheckFresh(std::chrono::milliseconds max_age) const {
  std::lock_guard lock(mutex_);
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - last_success_);
  if (catch_ups_ > 0 && last_success_.time_since_epoch().count() != 0 && age <= max_age) {
    return Status::Ok();
  }
  std::string message = "measure index: ";
  message += last_success_.time_since_epoch().count() == 0
                 ? "not caught up yet"
                 : "last caught up " + std::to_string(age.count()) + " ms ago";
  if (!last_status_.ok()) message += "; last error: " + last_status_.ToString();
  return Unavailable(message);
}

void Tailer::Run() {
  while (true) {
    Status status = index_.CatchUp(*connection_).status();
    {
      std::unique_lock lock(mutex_);
      last_status_ = status;
      ++catch_ups_;
      if (status.ok()) last_success_ = std::chrono::steady_clock::now();
      applied_.notify_all();
      wake_.wait_for(lock, options_.interval, [&] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
  }
}

}  // namespace muster::enforcement
