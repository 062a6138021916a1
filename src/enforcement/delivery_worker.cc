#include "enforcement/delivery_worker.h"

namespace muster::enforcement {

Result<DeliveryRound> RunDeliveryRound(Connection& connection, Instant now,
                                       const LiftConfirmations& lifts, const Webhooks& webhooks,
                                       const Dispatcher& dispatcher) {
  DeliveryRound round;
  ASSIGN_OR_RETURN(round.lifts_tracked, lifts.Track(connection));
  ASSIGN_OR_RETURN(round.enqueued, webhooks.Enqueue(connection, now));
  ASSIGN_OR_RETURN(round.dispatched, dispatcher.RunOnce(connection, now));
  ASSIGN_OR_RETURN(auto escalated, lifts.Escalate(connection, now));
  round.escalated = static_cast<int64_t>(escalated.size());
  return round;
}

Result<std::unique_ptr<DeliveryWorker>> DeliveryWorker::Start(
    std::unique_ptr<Connection> connection, const Clock& clock, DeliveryWorkerOptions options) {
  if (connection == nullptr) return InvalidArgument("connection: required");
  if (options.interval.count() < 1) return InvalidArgument("interval: must be positive");
  std::unique_ptr<DeliveryWorker> worker(
      new DeliveryWorker(std::move(connection), clock, std::move(options)));
  worker->thread_ = std::thread([raw = worker.get()] { raw->Run(); });
  return worker;
}

DeliveryWorker::DeliveryWorker(std::unique_ptr<Connection> connection, const Clock& clock,
                               DeliveryWorkerOptions options)
    : connection_(std::move(connection)),
      clock_(clock),
      options_(std::move(options)),
      lifts_(options_.lift_deadline_hours),
      webhooks_(WebhookOptions{.lift_deadline_hours = options_.lift_deadline_hours}),
      dispatcher_(options_.dispatcher) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::Poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

Status DeliveryWorker::last_status() const {
  std::lock_guard lock(mutex_);
  return last_status_;
}

DeliveryRound DeliveryWorker::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

void DeliveryWorker::Run() {
  while (true) {
    const Instant now = clock_.Now();
    auto round = RunDeliveryRound(*connection_, now, lifts_, webhooks_, dispatcher_);
    if (round.ok()) {
      auto pruned = webhooks_.PruneDelivered(*connection_, now - options_.keep_delivered);
      if (!pruned.ok()) round = pruned.status();
    }
    std::unique_lock lock(mutex_);
    last_status_ = round.status();
    if (round.ok()) {
      totals_.lifts_tracked += round->lifts_tracked;
      totals_.enqueued += round->enqueued;
      totals_.dispatched.attempted += round->dispatched.attempted;
      totals_.dispatched.delivered += round->dispatched.delivered;
      totals_.dispatched.retrying += round->dispatched.retrying;
      totals_.dispatched.dead += round->dispatched.dead;
      totals_.escalated += round->escalated;
    } else if (connection_->InTransaction()) {
      (void)connection_->Rollback();
    }
    wake_.wait_for(lock, options_.interval, [&] { return stopping_ || poked_; });
    if (stopping_) return;
    poked_ = false;
  }
}

}  // namespace muster::enforcement
