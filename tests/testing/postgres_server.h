// A throwaway PostgreSQL server private to one test process.
//
// Tests that run against PostgreSQL must never touch a system cluster or depend on a fixed
// port, so this starts its own server from the installed binaries (the highest version under
// /usr/lib/postgresql/*/bin): `initdb` into a fresh temporary directory with trust
// authentication and the superuser `muster_owner`, then `pg_ctl start` listening only on
// 127.0.0.1 at a port the kernel picked (bind port 0, close, use it; retried on the rare race)
// with its Unix socket in the same directory. Durability is switched off (fsync,
// synchronous_commit, full_page_writes): the data is thrown away anyway.
//
// PostgreSQL refuses to run as root. When the test runs as root (CI containers), initdb and
// pg_ctl run through `runuser -u postgres --` (the Debian postgresql package creates that
// user), and the directory is created under /tmp with mode 0755 and owned by `postgres`.
//
// Cleanup: the destructor stops the server (`pg_ctl -m immediate stop`) and removes the
// directory. Shared() keeps one server per process in a function-local static, so it is
// stopped at normal exit too, including after failed tests. A crash, abort or SIGKILL skips
// destructors, so a watchdog process is started first: a detached shell (own session,
// re-parented to init, so a test runner that kills the test's process tree leaves it alone)
// that blocks reading a pipe whose only writer is the test process. When the test process
// ends in any way the pipe closes, and the watchdog stops the server and removes the
// directory if they are still there. Limits: if the watchdog itself is killed (a whole
// container or cgroup torn down at once), a stopped-or-orphaned server and a
// /tmp/muster-pg-XXXXXX directory can remain; they never hold anything but test data.
// A forked child of the test process never stops the server (the destructor checks the pid).
//
// Header-only; CreateDatabase connects through store/postgres, so link muster_store_postgres.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/status.h"
#include "store/postgres/postgres_connection.h"

extern char** environ;

namespace muster::testing {

class PostgresServer {
 public:
  // The bootstrap superuser, which owns every test database.
  static constexpr std::string_view kOwnerRole = "muster_owner";

  // Starts a fresh server. kFailedPrecondition when no server binaries are installed (or, as
  // root, there is no `postgres` user); kInternal with the tail of the server's log when
  // initdb or the start fails.
  static Result<std::unique_ptr<PostgresServer>> Start() {
    auto server = std::unique_ptr<PostgresServer>(new PostgresServer());
    RETURN_IF_ERROR(server->Launch());
    return server;
  }

  // The process-wide server: started on first use (thread-safe), stopped at exit. Returns the
  // same error on every call if it could not start.
  static Result<PostgresServer*> Shared() {
    static Result<std::unique_ptr<PostgresServer>> server = Start();
    if (!server.ok()) return server.status();
    return server->get();
  }

  ~PostgresServer() {
    if (getpid() != owner_pid_) return;  // a forked child must not stop its parent's server
    if (launched_)
      (void)Run(Command("pg_ctl", {"-D", DataDir(), "-m", "immediate", "-w", "stop"}), "");
    if (!directory_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(directory_, ignored);
    }
    if (watchdog_pipe_ >= 0) close(watchdog_pipe_);  // the watchdog finds nothing left and exits
  }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& directory() const { return directory_; }

  // "postgresql://muster_owner@127.0.0.1:PORT/database" (another role with `user`).
  std::string UrlFor(std::string_view database, std::string_view user = kOwnerRole) const {
    return "postgresql://" + std::string(user) + "@127.0.0.1:" + std::to_string(port_) + "/" +
           std::string(database);
  }

  // Creates database `name` (a plain identifier) owned by muster_owner.
  Status CreateDatabase(std::string_view name) const {
    ASSIGN_OR_RETURN(auto connection, PostgresConnection::Open(UrlFor("postgres")));
    return connection->Execute("CREATE DATABASE \"" + std::string(name) + "\"");
  }

 private:
  PostgresServer() = default;

  Status Launch() {
    RETURN_IF_ERROR(FindBinaries());
    running_as_root_ = geteuid() == 0;
    if (running_as_root_) {
      const passwd* user = getpwnam("postgres");
      if (user == nullptr) {
        return FailedPrecondition(
            "postgres_server: running as root, but there is no `postgres` user to run the "
            "server as (install the postgresql package)");
      }
      postgres_uid_ = user->pw_uid;
      postgres_gid_ = user->pw_gid;
    }
    RETURN_IF_ERROR(MakeDirectory());
    RETURN_IF_ERROR(StartWatchdog());

    std::string initdb_log = (directory_ / "initdb.log").string();
    int code = Run(Command("initdb", {"-D", DataDir(), "-U", std::string(kOwnerRole),
                                      "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"}),
                   initdb_log);
    if (code != 0) return Internal("postgres_server: initdb failed:\n" + Tail(initdb_log));

    std::string server_log = (directory_ / "server.log").string();
    std::string pg_ctl_log = (directory_ / "pg_ctl.log").string();
    for (int attempt = 0; attempt < 5; ++attempt) {
      ASSIGN_OR_RETURN(port_, FreePort());
      std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k '" +
                            directory_.string() +
                            "' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                            " -c shared_buffers=32MB";
      launched_ = true;  // from here on the destructor stops whatever may have started
      code = Run(Command("pg_ctl", {"-D", DataDir(), "-o", options, "-w", "-t", "60", "-l",
                                    server_log, "start"}),
                 pg_ctl_log);
      if (code == 0) return Status::Ok();
      std::string log = Tail(server_log);
      if (log.find("could not bind") == std::string::npos &&
          log.find("already in use") == std::string::npos) {
        break;  // not the port race: retrying will not help
      }
    }
    return Internal("postgres_server: the server did not start:\n" + Tail(pg_ctl_log) + "\n" +
                    Tail(server_log));
  }

  Status FindBinaries() {
    std::error_code error;
    int best = -1;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
      std::string name = entry.path().filename().string();
      int version = std::atoi(name.c_str());
      std::filesystem::path bin = entry.path() / "bin";
      if (version > best && std::filesystem::exists(bin / "initdb") &&
          std::filesystem::exists(bin / "pg_ctl")) {
        best = version;
        bin_dir_ = bin;
      }
    }
    if (best < 0) {
      return FailedPrecondition(
          "postgres_server: no PostgreSQL server under /usr/lib/postgresql/*/bin (install "
          "the postgresql package: scripts/setup.sh)");
    }
    return Status::Ok();
  }

  Status MakeDirectory() {
    // As root the directory must be reachable by `postgres`: /tmp is, a root-only TMPDIR
    // might not be.
    std::filesystem::path base =
        running_as_root_ ? std::filesystem::path("/tmp") : std::filesystem::temp_directory_path();
    std::string pattern = (base / "muster-pg-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Internal("postgres_server: cannot create a directory under " + base.string());
    }
    directory_ = pattern;
    if (running_as_root_) {
      if (chmod(directory_.c_str(), 0755) != 0 ||
          chown(directory_.c_str(), postgres_uid_, postgres_gid_) != 0) {
        return Internal("postgres_server: cannot hand " + directory_.string() + " to postgres");
      }
    }
    return Status::Ok();
  }

  // See the header comment: stops the server and removes the directory once the test
  // process is gone, however it ended.
  Status StartWatchdog() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Internal("postgres_server: pipe failed");
    std::vector<std::string> argv = {"/usr/bin/setsid",
                                     "-f",
                                     "/bin/sh",
                                     "-c",
                                     "read -r _; [ -d \"$0\" ] || exit 0; \"$@\"; rm -rf -- \"$0\"",
                                     directory_.string()};
    for (std::string& word :
         Command("pg_ctl", {"-D", DataDir(), "-m", "immediate", "-w", "stop"})) {
      argv.push_back(std::move(word));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);  // dup2 drops close-on-exec
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    std::vector<char*> pointers = Pointers(argv);
    int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (spawned != 0) {
      close(fds[1]);
      return Internal("postgres_server: cannot start the watchdog (/usr/bin/setsid)");
    }
    int ignored = 0;
    waitpid(pid, &ignored, 0);  // setsid -f returns at once; the watchdog lives on detached
    watchdog_pipe_ = fds[1];    // close-on-exec: no other child inherits it past exec
    return Status::Ok();
  }

  // `tool` from the server's bin directory with `args`, through runuser when root.
  std::vector<std::string> Command(std::string_view tool, std::vector<std::string> args) const {
    std::vector<std::string> argv;
    if (running_as_root_) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
    argv.push_back((bin_dir_ / tool).string());
    for (std::string& arg : args) argv.push_back(std::move(arg));
    return argv;
  }

  // Runs `argv` with stdin from /dev/null and output appended to `log` (discarded if empty);
  // returns its exit code, or -1 if it could not run.
  static int Run(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.empty() ? "/dev/null" : log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    std::vector<char*> pointers = Pointers(argv);
    int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  static std::vector<char*> Pointers(const std::vector<std::string>& argv) {
    std::vector<char*> pointers;
    for (const std::string& word : argv) pointers.push_back(const_cast<char*>(word.c_str()));
    pointers.push_back(nullptr);
    return pointers;
  }

  // A port nobody listens on right now: the kernel's pick for port 0 on 127.0.0.1.
  static Result<int> FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Internal("postgres_server: socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
              getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    close(fd);
    if (!ok) return Internal("postgres_server: cannot bind a port on 127.0.0.1");
    return static_cast<int>(ntohs(address.sin_port));
  }

  static std::string Tail(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    std::string all = text.str();
    constexpr size_t kKeep = 2000;
    return all.size() > kKeep ? all.substr(all.size() - kKeep) : all;
  }

  std::string DataDir() const { return (directory_ / "data").string(); }

  pid_t owner_pid_ = getpid();
  bool running_as_root_ = false;
  uid_t postgres_uid_ = 0;
  gid_t postgres_gid_ = 0;
  std::filesystem::path bin_dir_;
  std::filesystem::path directory_;  // holds data/, the logs and the Unix socket
  int port_ = 0;
  bool launched_ = false;
  int watchdog_pipe_ = -1;  // write end; closing it (or dying) wakes the watchdog
};

}  // namespace muster::testing
