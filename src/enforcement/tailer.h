// Tailer: keeps a MeasureIndex current by catching it up on the ledger every few hundred
// milliseconds, on a thread and a store connection of its own.
//
// This is what makes "a measure imposed or lifted is visible to checks within one second on
// every node" hold: each node runs its own Tailer against the shared store, so a change made
// through another node's Registry reaches this node's index within one interval plus the time
// to apply it. The node that makes a change can also Poke the tailer (catch up now) and
// WaitFor the change's seq to read its own writes at once.
//
// A failed catch-up (the store unreachable, a malformed event) is kept in last_status() and
// retried on the next tick; the index keeps answering from what it had applied, and
// CheckFresh tells a server whether the index may still answer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "enforcement/measure_index.h"
#include "store/database.h"

namespace muster::enforcement {

struct TailerOptions {
  // Between two catch-ups. Must be at most 250 ms for the one-second visibility promise
  // (checked by Start).
  std::chrono::milliseconds interval{200};
};

class Tailer {
 public:
  // Starts the thread. `index` must outlive the tailer; the tailer owns `connection` (which
  // it uses from its own thread only). kInvalidArgument for an interval outside 1..250 ms.
  static Result<std::unique_ptr<Tailer>> Start(MeasureIndex& index,
                                               std::unique_ptr<Connection> connection,
                                               TailerOptions options = {});
  ~Tailer();  // Stop()
  Tailer(const Tailer&) = delete;
  Tailer& operator=(const Tailer&) = delete;

  // Stops the thread after the catch-up in progress, if any. Idempotent.
  void Stop();

  // Catches up now instead of at the next tick. Thread-safe; returns at once.
  void Poke();

  // Blocks until the index has applied `seq` or `timeout` passes (then kUnavailable, with the
  // last catch-up error if there was one). Pokes the tailer first.
  Status WaitFor(int64_t seq, std::chrono::milliseconds timeout);

  // The outcome of the latest catch-up, and how many have run.
  Status last_status() const;
  int64_t catch_ups() const;

  // OK if a catch-up succeeded within `max_age` (real time); kUnavailable otherwise ("measure
  // index: last caught up 3200 ms ago; last error: …"). A server answers checks only while
  // this holds (say max_age = 1 s), so a node cut off from the store refuses rather than
  // answers from a stale index.
  Status CheckFresh(std::chrono::milliseconds max_age) const;

 private:
  Tailer(MeasureIndex& index, std::unique_ptr<Connection> connection, TailerOptions options);
  void Run();

  MeasureIndex& index_;
  std::unique_ptr<Connection> connection_;  // used by the thread only
  TailerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;                          // the thread waits here between ticks
  std::condition_variable applied_;                       // WaitFor waits here
  bool stopping_ = false;                                 // guarded by mutex_
  bool poked_ = false;                                    // guarded by mutex_
  Status last_status_;                                    // guarded by mutex_
  int64_t catch_ups_ = 0;                                 // guarded by mutex_
  std::chrono::steady_clock::time_point last_success_{};  // guarded by mutex_
  std::thread thread_;
};

}  // namespace muster::enforcement
